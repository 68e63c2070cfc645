import Foundation
import Testing
import VNetCollect
import VNetModel
import VNetParsers
import VNetTestSupport

/// Proof that the libiptc reader and the iptables-save parser agree: each fixture is loaded with
/// iptables-legacy-restore into a throwaway namespace, then read both ways.
@Suite(.enabled(if: Shell.isRoot && Shell.has("iptables-legacy-restore"), "needs root and iptables-legacy"))
struct IptcEquivalenceTests {
    private static let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("VNetParsersTests/Fixtures/iptables")

    /// Fixtures whose every extension the decoder understands.
    static let decodedFixtures: [String] = [
        "libvirt.v4.save", "libvirt.v6.save", "docker.v4.save", "extensions.v4.save", "extensions.v6.save",
        "matches.v4.save", "matches.v6.save", "routing-header.v6.save",
    ]

    private static func family(_ fixture: String) -> AddressFamily { fixture.contains(".v6.") ? .ipv6 : .ipv4 }
    private static func tool(_ family: AddressFamily) -> String { family == .ipv4 ? "iptables" : "ip6tables" }

    /// Loads a fixture into a new namespace; returns the namespace, the libiptc read and the saved text.
    private func loadAndRead(_ fixture: String) throws -> (TemporaryNamespace, LegacyTablesRead, String) {
        let family = Self.family(fixture)
        let text = try String(contentsOf: Self.fixtureDirectory.appendingPathComponent(fixture), encoding: .utf8)
        let ns = try TemporaryNamespace("iptc")
        try ns.exec(["\(Self.tool(family))-legacy-restore", "-c"], input: text)
        let read = try NetworkNamespace.run(named: ns.name) { try LegacyIptablesReader.read(family: family) }
        let saved = try ns.exec(["\(Self.tool(family))-legacy-save", "-c"])
        return (ns, read, saved)
    }

    private func withoutComments(_ text: String) -> [String] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }

    @Test(arguments: decodedFixtures)
    func libiptcModelAndTextEqualIptablesSave(_ fixture: String) throws {
        let family = Self.family(fixture)
        let (_, read, saved) = try loadAndRead(fixture)
        let parsed = try IptablesSaveParser.parse(saved, family: family, system: .xtables, file: "\(Self.tool(family))-legacy-save")

        let ours = withoutComments(read.saveText), theirs = withoutComments(saved)
        #expect(ours.count == theirs.count)
        for (mine, tool) in zip(ours, theirs) where mine != tool {
            Issue.record("libiptc text differs:\n  ours: \(mine)\n  save: \(tool)")
        }
        #expect(read.tables.map(\.name) == parsed.map(\.name))
        for (mine, tool) in zip(read.tables, parsed) {
            #expect(mine.chains.map(\.name) == tool.chains.map(\.name))
            for (a, b) in zip(mine.chains, tool.chains) {
                #expect(a.base == b.base, "chain \(a.name)")
                for (ra, rb) in zip(a.rules, b.rules) where ra != rb {
                    Issue.record("rule differs in \(mine.name)/\(a.name):\n  libiptc: \(ra)\n  parsed:  \(rb)")
                }
                #expect(a.rules.count == b.rules.count)
            }
        }
        #expect(read.tables == parsed)
        #expect(read.raw.bundlePath == (family == .ipv4 ? "firewall/iptables-legacy.save" : "firewall/ip6tables-legacy.save"))
        #expect(read.raw.contents == Data(read.saveText.utf8))
    }

    /// Tables of thousands of rules are built on several threads: the result must not change.
    @Test func largeTableBuiltInParallelEqualsIptablesSave() throws {
        let ns = try TemporaryNamespace("iptc-large")
        try ns.exec(["iptables-legacy-restore"], input: KubeProxyLikeRuleSet.ruleSet(services: 1500))
        let read = try NetworkNamespace.run(named: ns.name) { try LegacyIptablesReader.read(family: .ipv4) }
        let saved = try ns.exec(["iptables-legacy-save", "-c"])
        #expect(read.tables.reduce(0) { $0 + $1.chains.reduce(0) { $0 + $1.rules.count } } > 9000)
        #expect(read.tables == (try IptablesSaveParser.parse(saved, family: .ipv4, system: .xtables, file: "iptables-legacy-save")))
        #expect(withoutComments(read.saveText) == withoutComments(saved))
    }

    /// kube-proxy's `-m statistic` is not decoded: it must survive as unknown with its bytes, and every
    /// other rule still equal the parsed save output.
    @Test func undecodedExtensionSurvivesAsUnknown() throws {
        let (_, read, saved) = try loadAndRead("kube-proxy.v4.save")
        let parsed = try IptablesSaveParser.parse(saved, family: .ipv4, system: .xtables, file: "iptables-legacy-save")
        let ours = read.tables.flatMap { $0.chains.flatMap(\.rules) }
        let theirs = parsed.flatMap { $0.chains.flatMap(\.rules) }
        #expect(ours.count == theirs.count)
        for (mine, tool) in zip(ours, theirs) {
            if tool.text.contains("-m statistic") {
                let unknown = mine.elements.compactMap { element -> UnknownElement? in
                    if case .unknown(let u) = element { return u } else { return nil }
                }
                #expect(unknown.map(\.name) == ["statistic"])
                #expect(unknown.first?.text.hasPrefix("-m statistic --vnetaudit-undecoded 0:") == true)
                #expect(mine.elements.last == tool.elements.last)
                #expect(mine.comment == tool.comment)
            } else {
                #expect(mine == tool)
            }
        }
    }

    @Test func emptyNamespaceReadsNothingAndCreatesNothing() throws {
        let ns = try TemporaryNamespace("iptc-empty")
        let list = "cat /proc/net/ip_tables_names /proc/net/ip6_tables_names 2>/dev/null || true"
        let before = try ns.sh(list)
        let v4 = try NetworkNamespace.run(named: ns.name) { try LegacyIptablesReader.read(family: .ipv4) }
        let v6 = try NetworkNamespace.run(named: ns.name) { try LegacyIptablesReader.read(family: .ipv6) }
        #expect(v4.tables.isEmpty && v6.tables.isEmpty)
        #expect(v4.saveText.isEmpty && v6.saveText.isEmpty)
        #expect(before.isEmpty)
        #expect(try ns.sh(list) == before)
    }
}

/// A kube-proxy-like legacy rule set (libvirt chains plus service chains), large enough to take the
/// reader's parallel path.
enum KubeProxyLikeRuleSet {
    /// About `services * 6 + 4 * 8` rules in nat and filter.
    static func ruleSet(services: Int) -> String {
        var nat = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
        nat += ":KUBE-MARK-MASQ - [0:0]\n:KUBE-SERVICES - [0:0]\n:LIBVIRT_PRT - [0:0]\n"
        var rules = "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        rules += "-A POSTROUTING -j LIBVIRT_PRT\n-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"
        rules += "-A LIBVIRT_PRT -s 192.168.122.0/24 ! -d 192.168.122.0/24 -p tcp -j MASQUERADE --to-ports 1024-65535\n"
        for i in 0..<services {
            let svc = "KUBE-SVC-\(String(i, radix: 16, uppercase: true))", sep = "KUBE-SEP-\(String(i, radix: 16, uppercase: true))"
            let ip = "10.\(96 + i >> 16).\(i >> 8 & 255).\(i & 255)"
            nat += ":\(svc) - [0:0]\n:\(sep) - [0:0]\n"
            rules += "-A KUBE-SERVICES -d \(ip)/32 -p tcp -m comment --comment \"ns/svc-\(i):http cluster IP\" -m tcp --dport 80 -j \(svc)\n"
            rules += "-A \(svc) ! -s 10.244.0.0/16 -d \(ip)/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ\n"
            rules += "-A \(svc) -m comment --comment \"ns/svc-\(i):http -> 10.244.\(i >> 8 & 255).\(i & 255):8080\" -j \(sep)\n"
            rules += "-A \(sep) -s 10.244.\(i >> 8 & 255).\(i & 255)/32 -j KUBE-MARK-MASQ\n"
            rules += "-A \(sep) -p tcp -m tcp -j DNAT --to-destination 10.244.\(i >> 8 & 255).\(i & 255):8080\n"
        }
        var filter = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-FORWARD - [0:0]\n"
        filter += "-A FORWARD -j KUBE-FORWARD\n"
        for i in 0..<services {
            filter += "-A KUBE-FORWARD -d 10.244.\(i >> 8 & 255).\(i & 255)/32 -o virbr0 -p tcp -m multiport --dports 80,443 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        }
        return nat + rules + "COMMIT\n" + filter + "COMMIT\n"
    }
}
