import Foundation
import Testing
import VNetTestSupport

/// Change verification on the real lab, for each libvirt firewall backend: a report and a snapshot of the
/// healthy lab, then one iptables rule inserted on the hypervisor; `diff` (report or snapshot against the
/// new report) and `check --baseline` name the network whose claim regressed and the rule, and exit 1;
/// with nothing changed they exit 0 and say so.
@Suite(.enabled(if: Lab.available, "needs root and libvirtd (scripts/install-deps.sh)"), .serialized)
struct DiffLabTests {
    /// The edit: guests of the nat network "default" (virbr0, 192.168.122.0/24) can no longer be forwarded.
    private static let edit = ["iptables", "-I", "FORWARD", "-s", "192.168.122.0/24", "-j", "DROP"]

    @Test(arguments: ["nftables", "iptables"])
    func ruleEditRegressesTheNATNetworkAndDiffNamesTheRule(backend: String) throws {
        let lab = try Lab(name: backend == "nftables" ? "dfnft" : "dfipt", backend: backend)
        defer { withExtendedLifetime(lab) {} }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-diff-lab-\(getpid())-\(backend)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = "\(dir)/before.json", snapshot = "\(dir)/before-snapshot", after = "\(dir)/after.json"

        let healthy = try lab.vnetaudit(["check", "--format", "json", "--output", before])
        #expect(healthy.status == 0, "\(healthy.stderr)")
        try lab.hypervisor([BuiltProducts.vnetaudit, "snapshot", "--output", snapshot])

        // Nothing changed yet: the saved report, the snapshot and the live host agree.
        let same = try Shell.run([BuiltProducts.vnetaudit, "diff", before, snapshot])
        #expect(same.status == 0 && same.stdout.contains("no change"), "\(same.stdout)\(same.stderr)")
        let unchangedBaseline = try lab.vnetaudit(["check", "--baseline", before, "--format", "json"])
        #expect(unchangedBaseline.status == 0 && unchangedBaseline.stderr.contains("no change"), "\(unchangedBaseline.stderr)")

        try lab.hypervisor(Self.edit)
        let broken = try lab.vnetaudit(["check", "--format", "json", "--output", after])
        #expect(broken.status == 1, "\(broken.stderr)")

        // Text: the regressed network, and the added rule under it with its chain.
        for baseline in [before, snapshot] {
            let out = try Shell.run([BuiltProducts.vnetaudit, "diff", baseline, after])
            #expect(out.status == 1, "\(out.stderr)")
            let regressions = try #require(out.stdout.components(separatedBy: "\nImprovements").first?
                .components(separatedBy: "\nRegressions\n").dropFirst().first, "\(out.stdout)")
            #expect(regressions.contains("network default (nat): verdict") && regressions.contains("-> fail"), "\(out.stdout)")
            #expect(regressions.contains("added rule in ip filter FORWARD"), "\(out.stdout)")
            #expect(regressions.contains("192.168.122.0/24"), "\(out.stdout)")
        }

        // JSON: the same, for programs.
        let json = try Shell.run([BuiltProducts.vnetaudit, "diff", before, after, "--format", "json"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["regressed"] as? Bool == true)
        let networks = try #require(object["networks"] as? [[String: Any]])
        let nat = try #require(networks.first { $0["name"] as? String == "default" })
        let checks = try #require(nat["checks"] as? [[String: Any]])
        let regressed = checks.filter { $0["change"] as? String == "regressed" }
        #expect(!regressed.isEmpty)
        let explaining = regressed.flatMap { $0["explainedBy"] as? [[String: Any]] ?? [] }
        #expect(explaining.contains { change in
            change["area"] as? String == "firewall-rule" && change["kind"] as? String == "added"
                && (change["after"] as? String ?? "").contains("192.168.122.0/24")
        }, "\(explaining)")
        // Networks the rule does not touch did not regress.
        let isolated = try #require(networks.first { $0["name"] as? String == "isolated" })
        #expect(!(isolated["checks"] as? [[String: Any]] ?? []).contains { $0["change"] as? String == "regressed" })

        // check --baseline: the report as usual on stdout, the changes on stderr, exit 1.
        let checked = try lab.vnetaudit(["check", "--baseline", before])
        #expect(checked.status == 1, "\(checked.stderr)")
        #expect(checked.stdout.contains("default"))
        #expect(checked.stderr.contains("REGRESSED") && checked.stderr.contains("network default (nat)")
                && checked.stderr.contains("added rule in ip filter FORWARD"), "\(checked.stderr)")
    }
}
