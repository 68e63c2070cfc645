import Foundation
import Testing
import VNetTestSupport

/// `check` writing several reports in one run (`--format` repeated, `--output-dir`): names, evidence
/// beside the reports, atomic and never overwriting, the messages on standard error.
@Suite final class ReportOutputsCLITests {
    private let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-outputs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    private var savedRules: String { CLITests.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path }

    /// Runs the binary with `directory` as its working directory.
    private func run(_ arguments: [String], in folder: String? = nil) throws -> Shell.Output {
        try Shell.run(["-C", folder ?? directory, BuiltProducts.vnetaudit] + arguments)
    }

    private func files(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    /// `HOST-YYYYMMDDTHHMMSSZ[-N]`, and the UTC second it names.
    private func stemSecond(_ name: String, host: String) -> Date? {
        guard name.hasPrefix(host + "-") else { return nil }
        let stamp = name.dropFirst(host.count + 1).prefix(16)
        guard stamp.count == 16 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.date(from: String(stamp))
    }

    @Test func everyFormatGoesToReportsNamedByHostAndUTCTime() throws {
        let formats = try ReportFormats.all()
        #expect(formats.contains("text") && formats.contains("json"), "\(formats)")
        let before = Date(timeIntervalSinceNow: -1)
        let out = try run(["check", "--iptables-save", savedRules] + formats.flatMap { ["--format", $0] })
        let after = Date(timeIntervalSinceNow: 1)
        #expect(out.status == 3, "same verdict code as on standard output: \(out.stderr)")
        #expect(out.stdout.isEmpty)
        let written = try files(in: directory + "/reports")
        #expect(written.count == formats.count, "one file per format, no evidence folder left empty: \(written)")
        // the name up to the first dot after the stamp's Z: extensions may have dots of their own (`junit.xml`)
        let stems = Set(written.map { name in
            name.range(of: "Z").flatMap { z in name[z.upperBound...].firstIndex(of: ".") }.map { String(name[..<$0]) } ?? name
        })
        #expect(stems.count == 1, "\(written)")
        // Rule-set files have no host name of their own: the model says "(files)".
        let stem = try #require(stems.first)
        let second = try #require(stemSecond(stem, host: "files"), "\(written)")
        #expect(second >= before.addingTimeInterval(-1) && second <= after, "\(second)")
        for name in written {
            #expect(out.stderr.contains("vnetaudit: report written to reports/\(name): verdict inconclusive"), "\(out.stderr)")
        }
        #expect(out.stderr.split(separator: "\n").count == formats.count, "one line per file: \(out.stderr)")
        let json = try String(contentsOfFile: "\(directory)/reports/\(stem).json", encoding: .utf8)
        #expect(try JSONSchemaValidator.errors(of: json, against: "check-report.schema.json") == [])
        let text = try String(contentsOfFile: "\(directory)/reports/\(stem).txt", encoding: .utf8)
        #expect(text.contains("verdict: INCONCLUSIVE (exit 3)") && !text.contains("\u{1B}["))
    }

    @Test func oneFormatStillGoesToStandardOutputAndOutputDirTakesOneFormatToo() throws {
        let plain = try run(["check", "--iptables-save", savedRules, "--format", "json"])
        #expect(plain.status == 3 && plain.stdout.contains("\"verdict\" : \"inconclusive\"") && plain.stderr.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory + "/reports"))
        let folder = try run(["check", "--iptables-save", savedRules, "--format", "json", "--output-dir", "out/nested", "--quiet"])
        #expect(folder.status == 3 && folder.stdout.isEmpty)
        #expect(folder.stderr.isEmpty, "--quiet: no line per file: \(folder.stderr)")
        let written = try files(in: directory + "/out/nested")
        #expect(written.count == 1 && written[0].hasPrefix("files-") && written[0].hasSuffix(".json"), "\(written)")
        let data = try #require(FileManager.default.contents(atPath: directory + "/out/nested/" + written[0]))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let stdout = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
        #expect(report["verdict"] as? String == stdout["verdict"] as? String)
    }

    @Test func evidenceSitsBesideTheReportsAndEveryReportNamesItRelativeToItself() throws {
        let lab = try LabCapture(named: "iptables-masquerade-removed", in: directory)
        let out = try run(["check", "--snapshot", lab.bundle, "--format", "json", "--format", "text", "--output-dir", "audit"] + lab.pcapArguments)
        #expect(out.status == 1, "the masquerade rule is gone: \(out.stderr)")
        let written = try files(in: directory + "/audit")
        let stem = try #require(written.first { !$0.contains(".") }, "the run's evidence folder: \(written)")
        #expect(stemSecond(stem, host: "vm") != nil, "\(stem)")
        #expect(Set(written) == [stem, stem + ".json", stem + ".txt"], "\(written)")
        let data = try #require(FileManager.default.contents(atPath: "\(directory)/audit/\(stem).json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let findings = (report["networks"] as? [[String: Any]] ?? []).flatMap { $0["checks"] as? [[String: Any]] ?? [] }
        let named = Set(findings.flatMap { $0["evidence"] as? [[String: Any]] ?? [] }.compactMap { $0["file"] as? String })
        #expect(!named.isEmpty)
        for file in named {
            #expect(file.hasPrefix(stem + "/evidence/"), "\(file)")
            let pcap = try #require(FileManager.default.contents(atPath: "\(directory)/audit/\(file)"), "\(file) relative to the report")
            #expect(pcap.prefix(4) == Data([0x4d, 0x3c, 0xb2, 0xa1]), "\(file): a nanosecond pcap")
            #expect(out.stderr.contains("vnetaudit: evidence written to audit/\(file)\n"), "\(file): \(out.stderr)")
        }
        let onDisk = try FileManager.default.subpathsOfDirectory(atPath: "\(directory)/audit/\(stem)").filter { $0.hasSuffix(".pcap") }
        #expect(Set(onDisk.map { stem + "/" + $0 }) == named, "every pcap written is named by a finding")
        let capture = try #require(report["capture"] as? [String: Any])
        #expect(capture["evidenceDirectory"] as? String == stem, "\(capture)")
    }

    @Test func aStrangeHostNameCannotLeaveTheReportFolder() throws {
        let lab = try LabCapture(named: "iptables-healthy", in: directory, hostname: "../../.. evil/host\u{7}")
        let out = try run(["check", "--snapshot", lab.bundle, "--format", "json", "--format", "text", "--output-dir", "strange"])
        #expect([0, 1, 3].contains(out.status), "\(out.stderr)")
        let written = try files(in: directory + "/strange")
        #expect(written.count == 2 && written.allSatisfy { stemSecond($0, host: "evil_host") != nil }, "\(written)")
        #expect(try files(in: directory).sorted() == ["bundle-iptables-healthy", "strange"], "nothing outside the folder")
    }

    @Test func runsInTheSameSecondNeverOverwriteEachOther() throws {
        // Names of earlier runs for the coming seconds: a run must step past them, not replace them.
        let folder = directory + "/taken"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let now = Date()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var placeholders: [String] = []
        for offset in -1...30 {
            let name = "files-\(formatter.string(from: now.addingTimeInterval(Double(offset)))).json"
            try Data("earlier run\n".utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
            placeholders.append(name)
        }
        let stepped = try run(["check", "--iptables-save", savedRules, "--format", "json", "--output-dir", "taken"])
        #expect(stepped.status == 3, "\(stepped.stderr)")
        for name in placeholders {
            #expect(try String(contentsOfFile: folder + "/" + name, encoding: .utf8) == "earlier run\n", "\(name) kept")
        }
        let new = try Set(files(in: folder)).subtracting(placeholders)
        #expect(new.count == 1 && new.first?.hasSuffix("-2.json") == true, "\(new)")

        // Several runs at once into one folder: as many complete reports, no temporary file left.
        let runs = 6
        let statuses = Statuses()
        let command = ["-C", directory, BuiltProducts.vnetaudit, "check", "--iptables-save", savedRules,
                       "--format", "json", "--format", "text", "--output-dir", "together"]
        DispatchQueue.concurrentPerform(iterations: runs) { _ in
            statuses.append((try? Shell.run(command))?.status ?? -1)
        }
        #expect(statuses.values == Array(repeating: 3, count: runs))
        let together = try files(in: directory + "/together")
        #expect(together.filter { $0.hasSuffix(".json") }.count == runs && together.filter { $0.hasSuffix(".txt") }.count == runs, "\(together)")
        #expect(together.count == 2 * runs, "no temporary or evidence leftovers: \(together)")
        for name in together where name.hasSuffix(".json") {
            let data = try #require(FileManager.default.contents(atPath: directory + "/together/" + name))
            #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "\(name) is whole")
        }
    }

    @Test func conflictingOrImpossibleOutputsAreExit2AndLeaveNothing() throws {
        let twoIntoOne = try run(["check", "--iptables-save", savedRules, "--format", "json", "--format", "text", "--output", "r.json"])
        #expect(twoIntoOne.status == 2 && twoIntoOne.stderr.contains("--output takes one format"), "\(twoIntoOne.stderr)")
        let both = try run(["check", "--iptables-save", savedRules, "--output", "r.json", "--output-dir", "d"])
        #expect(both.status == 2 && both.stderr.contains("pick one"), "\(both.stderr)")
        try Data("a file".utf8).write(to: URL(fileURLWithPath: directory + "/plain"))
        let underFile = try run(["check", "--iptables-save", savedRules, "--output-dir", "plain/reports"])
        #expect(underFile.status == 2 && underFile.stderr.contains("plain/reports: cannot create the report folder: Not a directory"), "\(underFile.stderr)")
        #expect(try files(in: directory) == ["plain"], "nothing written")
    }

    @Test(.enabled(if: Shell.isRoot && Shell.has("mount"), "needs root to mount a small tmpfs"))
    func aFullDiskLeavesNoReportAndNoTemporaryFile() throws {
        let folder = directory + "/small"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Room for the evidence folder and the text report (1.5 KB), not for the JSON report too.
        guard (try? Shell.check(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", folder])) != nil else { return }
        defer { _ = try? Shell.run(["umount", folder]) }
        try Data(repeating: 0x2e, count: 4096).write(to: URL(fileURLWithPath: folder + "/filler"))
        let out = try run(["check", "--iptables-save", savedRules, "--format", "text", "--format", "json", "--output-dir", "small"])
        #expect(out.status == 2, "\(out.stderr)")
        #expect(out.stderr.contains("cannot write the report"), "\(out.stderr)")
        #expect(try files(in: folder) == ["filler"], "all or nothing, no temporary file")
    }
}

/// The report formats the binary offers, read from its own argument description (so new formats are
/// tested without listing them here).
enum ReportFormats {
    static func all() throws -> [String] {
        let dump = try Shell.run([BuiltProducts.vnetaudit, "check", "--experimental-dump-help"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let command = try #require(object["command"] as? [String: Any])
        let arguments = try #require(command["arguments"] as? [[String: Any]])
        let format = try #require(arguments.first { ($0["names"] as? [[String: Any]])?.contains { $0["name"] as? String == "format" } == true })
        return try #require(format["allValues"] as? [String])
    }
}

/// A lab host state and its captures (Tests/VNetTrafficTests/Fixtures/lab/NAME) as a snapshot bundle and
/// `--pcap` arguments: a check of it writes evidence pcaps, without root or the lab.
struct LabCapture {
    let bundle: String
    let pcapArguments: [String]

    /// - Parameter hostname: put in place of the recorded host name (`vm`), when given.
    init(named name: String, in directory: String, hostname: String? = nil) throws {
        let source = CLITests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("VNetTrafficTests/Fixtures/lab/\(name)").path
        bundle = directory + "/bundle-" + name
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        var host = try Shell.check(["gunzip", "-c", source + "/host.json.gz"])
        if let hostname {
            let encoded = String(decoding: try JSONEncoder().encode(hostname), as: UTF8.self)
            host = host.replacingOccurrences(of: "\"hostname\" : \"vm\"", with: "\"hostname\" : \(encoded)")
        }
        try host.write(toFile: bundle + "/host.json", atomically: true, encoding: .utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(host.utf8)) as? [String: Any])
        let digest = try Shell.check(["sha256sum", bundle + "/host.json"]).prefix(64)
        let manifest: [String: Any] = [
            "format": "vnetaudit-snapshot", "formatVersion": 1, "toolVersion": "test", "created": "2026-01-01T00:00:00Z",
            "hostname": object["hostname"] as? String ?? "", "modelSchemaVersion": object["schemaVersion"] as? Int ?? 1,
            "files": [["path": "host.json", "size": Data(host.utf8).count, "sha256": String(digest)]],
        ]
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: bundle + "/manifest.json"))
        pcapArguments = try FileManager.default.contentsOfDirectory(atPath: source).filter { $0.hasSuffix(".pcap") }.sorted().flatMap {
            ["--pcap", "\(($0 as NSString).deletingPathExtension)=\(source)/\($0)"]
        }
    }
}

/// Exit statuses collected from concurrent runs.
private final class Statuses: @unchecked Sendable {
    private var collected: [Int32] = []
    private let lock = NSLock()
    func append(_ status: Int32) { lock.withLock { collected.append(status) } }
    var values: [Int32] { lock.withLock { collected } }
}
