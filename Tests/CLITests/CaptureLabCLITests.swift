import Foundation
import Testing
import VNetTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The capture lab (lab/lab.sh, name `cpnft`): up in init, down in deinit.
private final class CaptureLab: @unchecked Sendable {
    static let name = "cpnft"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("lab/lab.sh").path
    static var available: Bool { Shell.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/sbin/libvirtd") }

    let directory: URL

    init() throws {
        // The previous test's lab may still be going down (a process it ran is ending): retry a little.
        var attempt = 0
        while true {
            _ = try? Shell.run(["bash", Self.script, "down", "--name", Self.name])
            let up = try Shell.run(["bash", Self.script, "up", "--backend", "nftables", "--name", Self.name])
            if up.status == 0 { break }
            attempt += 1
            guard attempt < 3 else {
                throw Shell.Failure(command: ["lab.sh", "up", Self.name], status: up.status, stderr: up.stderr)
            }
            sleep(2)
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-capture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        _ = try? Shell.run(["bash", Self.script, "down", "--name", Self.name])
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A command on the hypervisor, waited for.
    func run(_ command: [String]) throws -> Shell.Output {
        try Shell.run(["bash", Self.script, "exec", "--name", Self.name, "--"] + command)
    }

    /// A command on the hypervisor, started and left running. lab.sh execs into it, so the process
    /// id is the command's own.
    func start(_ command: [String], output: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        // Children of a test inherit its thread's blocked signals; clear the mask so SIGINT/SIGTERM
        // act on the command as they would from a shell.
        let unblock = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])"
        process.arguments = [Self.script, "exec", "--name", Self.name, "--", "python3", "-c", unblock] + command
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let sink = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = sink
        process.standardError = sink
        try process.run()
        return process
    }

    /// `vnetaudit check --capture DURATION` writing its JSON report to `report` and its output to `log`,
    /// started and waited for until it captures.
    func startCapturingCheck(_ duration: String, report: String, log: String) throws -> Process {
        let check = try start([BuiltProducts.vnetaudit, "check", "--capture", duration, "--format", "json", "--output", report],
                              output: log)
        #expect(Self.waitUntilCapturing(check.processIdentifier))
        return check
    }

    /// Real guest traffic of every mode: the lab's self test (TCP, ICMP, DNS, DHCP both ways).
    func selftest() throws {
        _ = try Shell.run(["bash", Self.script, "selftest", "--name", Self.name])
    }

    /// Waits until vnetaudit `pid` is capturing: its link watcher thread (`vna-links`) exists.
    static func waitUntilCapturing(_ pid: Int32, timeout: TimeInterval = 20) -> Bool {
        let started = Date()
        while Date().timeIntervalSince(started) < timeout {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            for task in tasks {
                let comm = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)) ?? ""
                if comm.hasPrefix("vna-links") { return true }
            }
            usleep(50_000)
        }
        return false
    }
}

private func jsonObject(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// The traffic findings of a report: `network/id/family: status`, the capture-quality one left out
/// (its message carries the counters, which a file does not have).
private func trafficVerdicts(_ report: [String: Any]) -> Set<String> {
    var out = Set<String>()
    for network in report["networks"] as? [[String: Any]] ?? [] {
        for check in network["checks"] as? [[String: Any]] ?? [] {
            guard let id = check["id"] as? String, id.hasPrefix("traffic."), id != "traffic.capture" else { continue }
            out.insert("\(network["name"] as? String ?? "?")/\(id)/\(check["family"] as? String ?? "-"): \(check["status"] as? String ?? "?")")
        }
    }
    return out
}

@Suite(.enabled(if: CaptureLab.available, "needs root and the lab's tools"), .serialized)
struct CaptureLabCLITests {
    @Test func captureOnTheLabWritesAReportWithACaptureSectionAndItsEvidence() throws {
        let lab = try CaptureLab()
        let report = lab.path("report.json")
        let check = try lab.startCapturingCheck("4s", report: report, log: lab.path("check.log"))
        try lab.selftest()
        check.waitUntilExit()
        let log = try String(contentsOfFile: lab.path("check.log"), encoding: .utf8)
        #expect([0, 1, 3].contains(check.terminationStatus), "\(log)")
        #expect(!log.contains("capturing,"), "no progress line when stderr is not a terminal")
        let text = try String(contentsOfFile: report, encoding: .utf8)
        #expect(try JSONSchemaValidator.errors(of: text, against: "check-report.schema.json") == [])
        let object = try jsonObject(report)
        #expect(object["interrupted"] as? Bool == false)
        let capture = try #require(object["capture"] as? [String: Any])
        #expect(capture["source"] as? String == "live")
        #expect(capture["requestedSeconds"] as? Double == 4)
        let interfaces = try #require(capture["interfaces"] as? [[String: Any]])
        let names = Set(interfaces.compactMap { $0["interface"] as? String })
        #expect(names.isSuperset(of: ["virbr0", "virbr1", "virbr2", "virbr3", "virbr4", "eth-up"]), "\(names)")
        for interface in interfaces {
            #expect(interface["end"] as? String == "completed")
            let counters = try #require(interface["counters"] as? [String: Int])
            #expect(counters["droppedByKernel"] == 0 && counters["droppedByInterface"] == 0)
            #expect((counters["received"] ?? 0) >= (interface["frames"] as? Int ?? 0))
            let seconds = interface["durationSeconds"] as? Double ?? 0
            #expect(seconds > 3.5 && seconds < 6, "\(interface)")
        }
        let virbr0 = try #require(interfaces.first { $0["interface"] as? String == "virbr0" })
        #expect((virbr0["frames"] as? Int ?? 0) > 10, "the self test's traffic was captured")
        // Every packet evidence names a file, relative to the report, that exists and is a pcap.
        let findings = (object["networks"] as? [[String: Any]] ?? []).flatMap { $0["checks"] as? [[String: Any]] ?? [] }
        let files = findings.flatMap { $0["evidence"] as? [[String: Any]] ?? [] }.compactMap { $0["file"] as? String }
        #expect(!files.isEmpty)
        for file in files {
            let data = try #require(FileManager.default.contents(atPath: lab.path(file)), "\(file)")
            #expect(data.prefix(4) == Data([0x4d, 0x3c, 0xb2, 0xa1]), "\(file): a nanosecond pcap")
        }
    }

    @Test func ctrlCWritesTheReportMarkedInterruptedWithinASecond() throws {
        let lab = try CaptureLab()
        let report = lab.path("report.json")
        let check = try lab.startCapturingCheck("30s", report: report, log: lab.path("check.log"))
        usleep(500_000)
        let sent = Date()
        kill(check.processIdentifier, SIGINT)
        check.waitUntilExit()
        let took = Date().timeIntervalSince(sent)
        let log = try String(contentsOfFile: lab.path("check.log"), encoding: .utf8)
        #expect(took < 1.5, "took \(took) s")
        #expect([0, 1, 3].contains(check.terminationStatus), "exit code as judged, not a signal death: \(check.terminationStatus) \(log)")
        #expect(check.terminationReason == .exit)
        let text = try String(contentsOfFile: report, encoding: .utf8)
        #expect(try JSONSchemaValidator.errors(of: text, against: "check-report.schema.json") == [])
        let object = try jsonObject(report)
        #expect(object["interrupted"] as? Bool == true)
        let interfaces = try #require((object["capture"] as? [String: Any])?["interfaces"] as? [[String: Any]])
        #expect(!interfaces.isEmpty)
        #expect(interfaces.allSatisfy { $0["end"] as? String == "interrupted" })
        #expect(interfaces.allSatisfy { ($0["durationSeconds"] as? Double ?? 99) < 5 })
    }

    @Test func aTerminalGetsALiveProgressLine() throws {
        let lab = try CaptureLab()
        // script(1) gives the command a terminal.
        let command = "bash \(CaptureLab.script) exec --name \(CaptureLab.name) -- \(BuiltProducts.vnetaudit) check --capture 2s --output \(lab.path("report.txt"))"
        let out = try Shell.run(["script", "-qfec", command, "/dev/null"])
        #expect(out.stdout.contains("s left (Ctrl-C ends early): virbr0 "), "\(out.stdout)")
        #expect(out.stdout.contains("\r\u{1B}[K"), "the line is cleared at the end")
    }

    @Test func savedCapturesAreJudgedLikeTheLiveCaptureOfTheSameTraffic() throws {
        let lab = try CaptureLab()
        // The interfaces and filters vnetaudit captures with.
        let planReport = lab.path("plan.json")
        _ = try lab.run([BuiltProducts.vnetaudit, "check", "--capture", "0.2s", "--format", "json", "--output", planReport])
        let planned = try #require((try jsonObject(planReport)["capture"] as? [String: Any])?["interfaces"] as? [[String: Any]])
        // tcpdump records the same interfaces with the same filters while vnetaudit judges them live.
        var recorders: [(interface: String, file: String, process: Process)] = []
        for entry in planned {
            let interface = try #require(entry["interface"] as? String)
            let file = lab.path("\(interface).pcap")
            let filter = (entry["filter"] as? String).map { [$0] } ?? []
            recorders.append((interface, file, try lab.start(["tcpdump", "-i", interface, "-U", "-n", "--time-stamp-precision=nano",
                                                               "-w", file] + filter, output: lab.path("\(interface).log"))))
        }
        defer { for r in recorders where r.process.isRunning { kill(r.process.processIdentifier, SIGTERM) } }
        for r in recorders {
            var listening = false
            for _ in 0..<100 where !listening {
                listening = ((try? String(contentsOfFile: lab.path("\(r.interface).log"), encoding: .utf8)) ?? "").contains("listening on")
                usleep(50_000)
            }
            #expect(listening, "tcpdump on \(r.interface)")
        }
        let live = lab.path("live.json")
        let check = try lab.startCapturingCheck("12s", report: live, log: lab.path("live.log"))
        try lab.selftest()
        check.waitUntilExit()
        for r in recorders {
            kill(r.process.processIdentifier, SIGTERM)
            r.process.waitUntilExit()
        }
        let offline = lab.path("offline.json")
        let out = try lab.run([BuiltProducts.vnetaudit, "check", "--format", "json", "--output", offline]
                              + recorders.flatMap { ["--pcap", "\($0.interface)=\($0.file)"] })
        #expect([0, 1, 3].contains(out.status), "\(out.stderr)")
        let liveReport = try jsonObject(live)
        let offlineReport = try jsonObject(offline)
        #expect((offlineReport["capture"] as? [String: Any])?["source"] as? String == "files")
        let liveVerdicts = trafficVerdicts(liveReport)
        #expect(liveVerdicts.count > 10, "\(liveVerdicts)")
        #expect(trafficVerdicts(offlineReport) == liveVerdicts)
    }

    @Test func snapshotCaptureStoresTheCapturesAndCheckJudgesThem() throws {
        let lab = try CaptureLab()
        let bundle = lab.path("bundle")
        let snapshot = try lab.start([BuiltProducts.vnetaudit, "snapshot", "--capture", "6s", "--output", bundle],
                                     output: lab.path("snapshot.log"))
        #expect(CaptureLab.waitUntilCapturing(snapshot.processIdentifier))
        try lab.selftest()
        snapshot.waitUntilExit()
        let log = try String(contentsOfFile: lab.path("snapshot.log"), encoding: .utf8)
        #expect(snapshot.terminationStatus == 0, "\(log)")
        let manifest = try jsonObject(bundle + "/manifest.json")
        let listed = (manifest["files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(listed.contains("captures/virbr0.pcap") && listed.contains("captures/capture.json"), "\(listed)")

        // Offline: the bundle's captures, with the counters and ends the live capture recorded.
        let fromBundle = try Shell.run([BuiltProducts.vnetaudit, "check", "--snapshot", bundle, "--format", "json",
                                        "--evidence-dir", lab.path("evidence-bundle")])
        #expect([0, 1, 3].contains(fromBundle.status), "\(fromBundle.stderr)")
        #expect(try JSONSchemaValidator.errors(of: fromBundle.stdout, against: "check-report.schema.json") == [])
        let bundleReport = try #require(try JSONSerialization.jsonObject(with: Data(fromBundle.stdout.utf8)) as? [String: Any])
        let capture = try #require(bundleReport["capture"] as? [String: Any])
        #expect(capture["source"] as? String == "snapshot")
        let interfaces = try #require(capture["interfaces"] as? [[String: Any]])
        #expect(interfaces.allSatisfy { $0["counters"] != nil && $0["end"] as? String == "completed" })
        #expect(trafficVerdicts(bundleReport).count > 10)
        let evidence = try FileManager.default.subpathsOfDirectory(atPath: lab.path("evidence-bundle"))
        #expect(evidence.contains { $0.hasSuffix(".pcap") }, "evidence goes to --evidence-dir when the report goes to stdout")

        // The same files given as --pcap judge alike.
        let pcaps = listed.filter { $0.hasSuffix(".pcap") }.flatMap { path -> [String] in
            let name = String(path.dropFirst("captures/".count).dropLast(".pcap".count))
            return ["--pcap", "\(name)=\(bundle)/\(path)"]
        }
        let fromFiles = try Shell.run([BuiltProducts.vnetaudit, "check", "--snapshot", bundle, "--format", "json",
                                       "--evidence-dir", lab.path("evidence")] + pcaps)
        let filesReport = try #require(try JSONSerialization.jsonObject(with: Data(fromFiles.stdout.utf8)) as? [String: Any])
        // Alike, except that the bundle also knows the live counters: with drops recorded, its passes
        // become inconclusive where a bare file cannot tell.
        let dropped = interfaces.contains { ($0["counters"] as? [String: Int] ?? [:]).filter { $0.key.hasPrefix("dropped") }.values.contains { $0 > 0 } }
        if dropped {
            let ids = { (verdicts: Set<String>) in Set(verdicts.map { $0.split(separator: ":")[0] }) }
            #expect(ids(trafficVerdicts(filesReport)) == ids(trafficVerdicts(bundleReport)))
        } else {
            #expect(trafficVerdicts(filesReport) == trafficVerdicts(bundleReport))
        }

        // A damaged capture in the bundle is refused by its checksum, naming the file.
        let damaged = bundle + "/captures/virbr0.pcap"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: damaged))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        let refused = try Shell.run([BuiltProducts.vnetaudit, "check", "--snapshot", bundle, "--evidence-dir", lab.path("refused")])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(damaged), "\(refused.stderr)")
    }
}
