import Foundation
import Testing
import VNetModel
import VNetTestSupport

/// The command line as a user meets it: the real binary, real files, exit codes and messages.
@Suite struct CLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VNetParsersTests/Fixtures")

    private func run(_ arguments: [String]) throws -> Shell.Output {
        try Shell.run([BuiltProducts.vnetaudit] + arguments)
    }

    private func temporaryFile(_ name: String, _ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-cli-\(getpid())-\(UUID().uuidString)-\(name)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func versionAndHelpOnEverySubcommand() throws {
        let version = try run(["--version"])
        #expect(version.status == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        for sub in [["--help"], ["show", "--help"], ["snapshot", "--help"], ["check", "--help"]] {
            let out = try run(sub)
            #expect(out.status == 0 && out.stdout.contains("USAGE:"), "\(sub) help")
        }
    }

    @Test func savedIptablesFileIsReadAndOnlyTheFirewallIsClaimed() throws {
        let path = Self.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path
        let out = try run(["show", "--iptables-save", path, "--format", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        let host = try ModelJSON.decoder().decode(HostState.self, from: Data(out.stdout.utf8))
        #expect(host.coverage.legacyIPv4 == .file)
        #expect(host.coverage.links == .notCollected && host.coverage.libvirt == .notCollected)
        let filter = try #require(host.firewall.table(.xtables, .ip, "filter"))
        #expect(filter.chain("LIBVIRT_FWO")?.rules.isEmpty == false)
    }

    @Test func savedNftJSONIsRead() throws {
        let path = Self.fixtures.appendingPathComponent("nft/libvirt-nftables.json").path
        let out = try run(["show", "--nft-json", path, "--format", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        let host = try ModelJSON.decoder().decode(HostState.self, from: Data(out.stdout.utf8))
        #expect(host.coverage.nftables == .file)
        #expect(host.firewall.table(.nftables, .ip, "libvirt_network")?.chain("guest_nat") != nil)
    }

    @Test func malformedIptablesSaveNamesFileAndLineAndExits2() throws {
        let path = try temporaryFile("bad.v4", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 300.1.1.1 -j ACCEPT\nCOMMIT\n")
        defer { unlink(path) }
        let out = try run(["show", "--iptables-save", path])
        #expect(out.status == 2)
        #expect(out.stderr.contains("\(path):3"), "stderr: \(out.stderr)")
    }

    @Test func malformedNftJSONNamesTheFileAndExits2() throws {
        let path = try temporaryFile("bad.json", "{\"nftables\": [{\"table\": {\"family\": 7}}]}")
        defer { unlink(path) }
        let out = try run(["show", "--nft-json", path])
        #expect(out.status == 2)
        #expect(out.stderr.contains(path), "stderr: \(out.stderr)")
    }

    @Test func truncatedSnapshotIsRefusedWithExit2() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-cli-snap-\(getpid())-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rules = Self.fixtures.appendingPathComponent("iptables/docker.v4.save").path
        let written = try run(["snapshot", "--iptables-save", rules, "--output", dir])
        #expect(written.status == 0, "\(written.stderr)")
        let good = try run(["show", "--snapshot", dir])
        #expect(good.status == 0)
        let hostJSON = dir + "/host.json"
        let data = try #require(FileManager.default.contents(atPath: hostJSON))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: hostJSON))
        let bad = try run(["show", "--snapshot", dir])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("host.json"), "stderr: \(bad.stderr)")
    }

    @Test func conflictingSourcesAndMissingFilesExit2() throws {
        let a = try run(["show", "--snapshot", "/nonexistent", "--nft-json", "/nonexistent.json"])
        #expect(a.status == 2 && a.stderr.contains("exclude each other"))
        let b = try run(["show", "--nft-json", "/nonexistent/ruleset.json"])
        #expect(b.status == 2 && b.stderr.contains("/nonexistent/ruleset.json"))
        let c = try run(["show", "--format", "yaml"])
        #expect(c.status == 2)
    }

    @Test(.enabled(if: Shell.isRoot && Shell.has("setpriv"), "needs root to drop to an unprivileged user"))
    func withoutPrivilegesItSaysWhatIsMissing() throws {
        let out = try Shell.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                                 BuiltProducts.vnetaudit, "show"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("CAP_NET_ADMIN"), "stderr: \(out.stderr)")
    }

    @Test(.enabled(if: Shell.isRoot, "needs root"))
    func unknownNamespaceIsAClearError() throws {
        let out = try run(["show", "--netns", "vnat-no-such-namespace"])
        #expect(out.status == 2 && out.stderr.contains("vnat-no-such-namespace"), "stderr: \(out.stderr)")
    }

    @Test(.enabled(if: Shell.isRoot && Shell.has("iptables-legacy-restore"), "needs root and iptables-legacy"))
    func onlyFirewallReadsTheRulesAndLeavesTheRestNotCollected() throws {
        let ns = try TemporaryNamespace("only")
        _ = try ns.sh("printf '*filter\\n:INPUT ACCEPT [0:0]\\n:FORWARD DROP [0:0]\\n:OUTPUT ACCEPT [0:0]\\n-A FORWARD -i virbr0 -j ACCEPT\\nCOMMIT\\n' | iptables-legacy-restore")
        let out = try run(["show", "--netns", ns.name, "--only", "firewall", "--format", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        let host = try ModelJSON.decoder().decode(HostState.self, from: Data(out.stdout.utf8))
        #expect(host.coverage.legacyIPv4 == .live && host.coverage.nftables == .live)
        #expect(host.coverage.links == .notCollected && host.coverage.sysctls == .notCollected)
        #expect(host.coverage.libvirt == .notCollected && host.coverage.listeners == .notCollected)
        #expect(host.links.isEmpty)
        #expect(host.firewall.table(.xtables, .ip, "filter")?.chain("FORWARD")?.rules.count == 1)
        let refused = try run(["show", "--iptables-save", CLITests.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path, "--only", "firewall"])
        #expect(refused.status == 2 && refused.stderr.contains("--only"), "\(refused.stderr)")
    }
}
