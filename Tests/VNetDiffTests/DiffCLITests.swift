import Foundation
import Testing
import VNetModel
import VNetSnapshot
import VNetTestSupport

/// `vnetaudit diff` and `check --baseline` from the outside, over snapshots of the lab fixtures and the
/// reports `check` writes of them: exit codes, what the text names, the JSON, bad input.
@Suite struct DiffCLITests {
    /// A scratch directory holding a snapshot bundle of each fixture asked for.
    final class Workspace {
        let directory: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-diff-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: directory) }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        /// The fixture as a snapshot bundle, as `vnetaudit snapshot` writes one.
        func snapshot(_ fixture: String) throws -> String {
            let dir = directory.appendingPathComponent(fixture)
            try SnapshotBundle.write(host: try DiffFixtures.host(fixture), raw: [], toolVersion: "test", to: dir)
            return dir.path
        }

        /// The JSON report `check --snapshot` writes of the fixture.
        func report(_ fixture: String) throws -> String {
            let file = path("\(fixture).json")
            let out = try Shell.run([BuiltProducts.vnetaudit, "check", "--snapshot", try snapshot(fixture), "--format", "json", "--output", file])
            guard [0, 1, 3].contains(out.status) else { throw Shell.Failure(command: ["check"], status: out.status, stderr: out.stderr) }
            return file
        }
    }

    private func diff(_ arguments: [String]) throws -> Shell.Output {
        try Shell.run([BuiltProducts.vnetaudit, "diff"] + arguments)
    }

    @Test func snapshotsOfARemovedMasqueradeRegressAndNameTheRules() throws {
        let w = try Workspace()
        let out = try diff([try w.snapshot("iptables-healthy"), try w.snapshot("iptables-masquerade-removed")])
        #expect(out.status == 1, "\(out.stderr)")
        #expect(out.stdout.contains("REGRESSED"))
        #expect(out.stdout.contains("network default (nat): verdict"))
        #expect(out.stdout.contains("regressed: claim.nat.outbound-translated ipv4: pass -> fail"))
        #expect(out.stdout.contains("removed rule in ip nat LIBVIRT_PRT"), "\(out.stdout)")
        #expect(out.stdout.lowercased().contains("masquerade"))
    }

    @Test func theSameStateTwiceIsNoChangeExit0() throws {
        let w = try Workspace()
        let report = try w.report("nftables-healthy")
        let out = try diff([report, try w.snapshot("nftables-healthy")])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("no change"), "\(out.stdout)")
    }

    @Test func aRepairIsNoRegressionExit0() throws {
        let w = try Workspace()
        let out = try diff([try w.report("nftables-isolation-broken"), try w.report("nftables-healthy")])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("no regression") && out.stdout.contains("Improvements"), "\(out.stdout)")
    }

    @Test func jsonNamesTheRegressedNetworkAndTheExplainingRule() throws {
        let w = try Workspace()
        let file = w.path("diff.json")
        let out = try diff([try w.report("iptables-healthy"), try w.report("iptables-forward-drop-legacy"),
                            "--format", "json", "--output", file])
        #expect(out.status == 1 && out.stdout.isEmpty, "\(out.stderr)")
        let data = try #require(FileManager.default.contents(atPath: file))
        #expect(try JSONSchemaValidator.errors(of: String(decoding: data, as: UTF8.self), against: "diff.schema.json") == [])
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 1 && object["regressed"] as? Bool == true)
        let networks = try #require(object["networks"] as? [[String: Any]])
        let nat = try #require(networks.first { $0["name"] as? String == "default" })
        let regressed = (nat["checks"] as? [[String: Any]] ?? []).filter { $0["change"] as? String == "regressed" }
        #expect(!regressed.isEmpty)
        let explaining = regressed.flatMap { $0["explainedBy"] as? [[String: Any]] ?? [] }
        #expect(explaining.contains { ($0["location"] as? [String: Any])?["chain"] as? String == "FORWARD" }, "\(explaining)")
    }

    @Test func reportsWithoutStateStillDiffByVerdicts() throws {
        let w = try Workspace()
        let before = try w.report("iptables-healthy")
        let saved = try #require(FileManager.default.contents(atPath: before))
        var object = try #require(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        #expect(object["state"] != nil)
        object["state"] = nil
        let stateless = w.path("stateless.json")
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: stateless))
        let out = try diff([stateless, try w.report("iptables-masquerade-removed")])
        #expect(out.status == 1)
        #expect(out.stdout.contains("state changes are unknown") && out.stdout.contains("claim.nat.outbound-translated"), "\(out.stdout)")
        #expect(!out.stdout.contains("State changes ("))
        let json = try diff([stateless, try w.report("iptables-masquerade-removed"), "--format", "json"])
        #expect(try JSONSchemaValidator.errors(of: json.stdout, against: "diff.schema.json") == [])
        #expect(json.stdout.contains("\"stateUnknownBecause\""))
    }

    @Test func checkReportWithStateMatchesTheSchema() throws {
        let w = try Workspace()
        let report = try String(contentsOfFile: try w.report("nftables-healthy"), encoding: .utf8)
        #expect(report.contains("\"state\" : {"))
        #expect(try JSONSchemaValidator.errors(of: report, against: "check-report.schema.json") == [])
    }

    @Test func checkBaselineWritesTheReportAndTheChangesOnStderr() throws {
        let w = try Workspace()
        let baseline = try w.report("iptables-healthy")
        let broken = try w.snapshot("iptables-masquerade-removed")
        let out = try Shell.run([BuiltProducts.vnetaudit, "check", "--snapshot", broken, "--baseline", baseline, "--format", "json"])
        #expect(out.status == 1, "\(out.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) != nil, "stdout is the report alone")
        #expect(out.stderr.contains("changes since the baseline") && out.stderr.contains("removed rule in ip nat LIBVIRT_PRT"), "\(out.stderr)")
        let same = try Shell.run([BuiltProducts.vnetaudit, "check", "--snapshot", try w.snapshot("iptables-healthy"), "--baseline", baseline])
        #expect(same.status == 0 && same.stderr.contains("no change"), "\(same.stderr)")
    }

    @Test func badInputIsExit2NamingTheFile() throws {
        let w = try Workspace()
        let good = try w.snapshot("nftables-healthy")
        let missing = try diff([w.path("nope.json"), good])
        #expect(missing.status == 2 && missing.stderr.contains(w.path("nope.json")), "\(missing.stderr)")
        let garbage = w.path("garbage.json")
        try Data("{\"schemaVersion\": 1}".utf8).write(to: URL(fileURLWithPath: garbage))
        let wrong = try diff([good, garbage])
        #expect(wrong.status == 2 && wrong.stderr.contains(garbage) && wrong.stderr.contains("not a vnetaudit check report"), "\(wrong.stderr)")
        let emptyDir = w.path("empty")
        try FileManager.default.createDirectory(atPath: emptyDir, withIntermediateDirectories: true)
        let notSnapshot = try diff([emptyDir, good])
        #expect(notSnapshot.status == 2 && notSnapshot.stderr.contains(emptyDir), "\(notSnapshot.stderr)")
        let baseline = try Shell.run([BuiltProducts.vnetaudit, "check", "--snapshot", good, "--baseline", garbage])
        #expect(baseline.status == 2 && baseline.stderr.contains(garbage))
    }
}
