import Foundation
import Testing
import VNetJudge
import VNetModel
import VNetTestSupport

/// `vnetaudit merge` end to end: the built binary over report files, its exit codes, outputs and messages.
@Suite struct FleetCLITests {
    /// A fresh directory with `reports/` holding the given reports as `HOSTNAME.json`.
    static func reportDirectory(_ reports: [AuditReport]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("reports"), withIntermediateDirectories: true)
        for report in reports {
            try FleetFixtures.json(report).write(to: dir.appendingPathComponent("reports/\(report.host.hostname).json"))
        }
        return dir
    }

    @Test func mergesReportFilesIntoAValidFleetReportAndExitsWithTheFleetVerdict() throws {
        let healthy = try FleetFixtures.report("nftables-healthy", hostname: "hv-a")
        let broken = try FleetFixtures.report("iptables-masquerade-removed", hostname: "hv-b")
        let dir = try Self.reportDirectory([healthy, broken])
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("<html>hv-a's own report</html>".utf8).write(to: dir.appendingPathComponent("reports/hv-a.html"))
        let out = dir.appendingPathComponent("fleet/fleet.json").path
        try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("fleet").path, withIntermediateDirectories: true)

        let run = try Shell.run([BuiltProducts.vnetaudit, "merge", "--output", out,
                                 dir.appendingPathComponent("reports/hv-a.json").path, dir.appendingPathComponent("reports/hv-b.json").path])
        #expect(run.status == 1, "a failing host fails the fleet: \(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("fleet report of 2 hosts written to \(out): verdict fail"))
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(try JSONSchemaValidator.errors(of: text, against: "fleet-report.schema.json") == [])
        let fleet = try ModelJSON.decoder().decode(FleetReport.self, from: Data(text.utf8))
        #expect(fleet.hosts.map(\.hostname).sorted() == ["hv-a", "hv-b"])
        let a = try #require(fleet.hosts.first { $0.hostname == "hv-a" })
        #expect(a.reportFile == "../reports/hv-a.json" && a.htmlReportFile == "../reports/hv-a.html", "relative to the fleet report")
        #expect(fleet.hosts.first { $0.hostname == "hv-b" }?.htmlReportFile == nil)
        #expect(fleet.failingChecks.contains { $0.sites.contains { $0.host == "hv-b" && $0.network == "default" && $0.status == .fail } })

        let html = try Shell.run([BuiltProducts.vnetaudit, "merge", "--format", "html",
                                  dir.appendingPathComponent("reports/hv-a.json").path, dir.appendingPathComponent("reports/hv-b.json").path])
        #expect(html.status == 1)
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>") && html.stdout.contains("data-host=\"hv-b\" data-network=\"default\" data-verdict=\"fail\""))
    }

    @Test func exitCodeFollowsTheFleetVerdictWithoutFailures() throws {
        let healthy = try FleetFixtures.report("nftables-healthy", hostname: "hv-a")
        let dir = try Self.reportDirectory([healthy])
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Shell.run([BuiltProducts.vnetaudit, "merge", dir.appendingPathComponent("reports/hv-a.json").path])
        #expect(healthy.verdict != .fail)
        #expect(run.status == healthy.exitCode, "\(healthy.verdict): \(run.stderr)")
        #expect(try ModelJSON.decoder().decode(FleetReport.self, from: Data(run.stdout.utf8)).verdict == healthy.verdict)
    }

    @Test func aDuplicateHostIsReportedOnStandardError() throws {
        let old = try FleetFixtures.report("nftables-masquerade-removed", hostname: "hv-a", generatedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let new = try FleetFixtures.report("nftables-healthy", hostname: "hv-a", generatedAt: Date(timeIntervalSince1970: 1_800_000_600))
        let dir = try Self.reportDirectory([new])
        defer { try? FileManager.default.removeItem(at: dir) }
        let oldFile = dir.appendingPathComponent("reports/old.json").path
        try FleetFixtures.json(old).write(to: URL(fileURLWithPath: oldFile))
        let newFile = dir.appendingPathComponent("reports/hv-a.json").path
        let run = try Shell.run([BuiltProducts.vnetaudit, "merge", newFile, oldFile])
        #expect(run.stderr.contains("vnetaudit: warning: hv-a: \(oldFile) of 2027-01-15T08:00:00Z left out for the newer \(newFile) of 2027-01-15T08:10:00Z"), "\(run.stderr)")
        let fleet = try ModelJSON.decoder().decode(FleetReport.self, from: Data(run.stdout.utf8))
        #expect(fleet.hosts.count == 1 && fleet.superseded.count == 1)
        let quiet = try Shell.run([BuiltProducts.vnetaudit, "merge", "--quiet", newFile, oldFile])
        #expect(quiet.stderr.isEmpty, "--quiet leaves only errors: \(quiet.stderr)")
        let quietFleet = try ModelJSON.decoder().decode(FleetReport.self, from: Data(quiet.stdout.utf8))
        #expect(quietFleet.hosts == fleet.hosts && quietFleet.superseded == fleet.superseded)
    }

    @Test(arguments: [
        ("garbage.json", "not json at all", "not a JSON object"),
        ("v7.json", #"{"schemaVersion": 7, "host": {}, "networks": []}"#, "check report schema version 7 is not supported"),
        ("other.json", #"{"name": "something else"}"#, "not a vnetaudit check report"),
    ])
    func badInputExitsTwoNamingTheFile(file: String, contents: String, message: String) throws {
        let good = try FleetFixtures.report("nftables-healthy", hostname: "hv-a")
        let dir = try Self.reportDirectory([good])
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent(file).path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: bad))
        let run = try Shell.run([BuiltProducts.vnetaudit, "merge", dir.appendingPathComponent("reports/hv-a.json").path, bad])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.hasPrefix("vnetaudit: \(bad): ") && run.stderr.contains(message), "\(run.stderr)")
    }

    @Test func missingFileAndNoArgumentsExitTwo() throws {
        let missing = try Shell.run([BuiltProducts.vnetaudit, "merge", "/nonexistent/r.json"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/r.json: cannot read the file"))
        let none = try Shell.run([BuiltProducts.vnetaudit, "merge"])
        #expect(none.status == 2 && none.stderr.contains("Missing expected argument"), "\(none.stderr)")
    }
}
