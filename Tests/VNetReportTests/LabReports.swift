import Foundation
import Testing
import VNetJudge
import VNetModel
import VNetTestSupport

/// Check reports of the lab, judged the way `vnetaudit check` judges them (claims plus the catalogue), from
/// the host states saved in Tests/VNetJudgeTests/Fixtures/claims (`BACKEND-STATE.json.gz`, healthy and broken).
enum LabReports {
    struct Missing: Error { let path: String }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VNetJudgeTests/Fixtures/claims")

    /// The repository's root, for files the tests check in place (deploy/prometheus).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every saved state's name (`nftables-masquerade-removed`...); `FixtureSetTests` proves it is not empty.
    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json.gz") }.map { String($0.dropLast(".json.gz".count)) }.sorted()
    }

    static func host(_ name: String) throws -> HostState {
        let path = directory.appendingPathComponent("\(name).json.gz").path
        guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
        return try ModelJSON.decoder().decode(HostState.self, from: try Shell.gunzip(path))
    }

    /// The report of saved state `name`, judged once per test run (judging every fixture takes seconds).
    static func report(_ name: String) throws -> AuditReport {
        try cache.value(name) { try judged(try host(name)) }
    }

    /// The report of saved state `name` after `edit` changed the host state (hostile names...).
    static func report(_ name: String, editing edit: (inout HostState) -> Void) throws -> AuditReport {
        var host = try host(name)
        edit(&host)
        return try judged(host)
    }

    private static func judged(_ host: HostState) throws -> AuditReport {
        try StaticJudgement(scope: AuditScope(host: host), catalogue: Catalogue.standard())
            .report(source: "snapshot /var/tmp/lab", version: "0.0.0-test", generatedAt: Date(timeIntervalSince1970: 1_800_000_123))
    }

    private static let cache = Cache()

    private final class Cache: @unchecked Sendable {
        private var reports: [String: AuditReport] = [:]
        private let lock = NSLock()

        func value(_ name: String, _ make: () throws -> AuditReport) throws -> AuditReport {
            lock.lock()
            defer { lock.unlock() }
            if let report = reports[name] { return report }
            let report = try make()
            reports[name] = report
            return report
        }
    }

    /// A capture section as a live `--capture` writes it: one interface that dropped packets, one whose
    /// interface vanished, one read from a file cut short.
    static let captureWithDrops = CaptureSection(
        source: "live", requestedSeconds: 30, durationSeconds: 30.25, evidenceDirectory: "evidence",
        interfaces: [
            .init(interface: "virbr0", source: "live", filter: nil, linkType: 1, frames: 120, bytes: 9000,
                  counters: .init(received: 131, droppedByKernel: 7, droppedByInterface: 1),
                  decode: .init(decoded: 118, truncated: 1, malformed: 1, unsupported: 0), end: .completed,
                  endDetail: nil, durationSeconds: 30.25, truncatedLastRecord: nil),
            .init(interface: "vnet3", source: "live", filter: "not port 22", linkType: 1, frames: 7, bytes: 700,
                  counters: .init(received: 7, droppedByKernel: 0, droppedByInterface: 0),
                  decode: nil, end: .interfaceVanished, endDetail: nil, durationSeconds: 4, truncatedLastRecord: nil),
            .init(interface: "eth0", source: "/var/tmp/eth0.pcap", filter: nil, linkType: 1, frames: 50, bytes: 4000,
                  counters: nil, decode: nil, end: .completed, endDetail: nil, durationSeconds: 12,
                  truncatedLastRecord: true),
        ])

    /// Text with everything the formats must keep inert: XML markup and entities, quotes and backslashes,
    /// line breaks, Markdown pipes, emphasis and backtick runs, a control character.
    static let hostile = "we|rd\"<&>\\`` ``` *x* _y_\nline2\u{07}"

    /// The masquerade-removed lab report with `hostile` as the host's name and as the failed network's.
    static func hostileNamedReport() throws -> AuditReport {
        try report("nftables-masquerade-removed") { host in
            host.hostname = hostile
            if let i = host.libvirt.networks.firstIndex(where: { $0.name == "default" }) { host.libvirt.networks[i].name = hostile }
        }
    }

    /// Runs an external checker, giving `text` as a file, and returns its exit status and messages.
    static func check(_ text: String, named file: String, with command: (String) -> [String]) throws -> Shell.Output {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(file).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return try Shell.run(command(path))
    }
}

@Suite struct FixtureSetTests {
    /// The fixture-driven tests take their cases from `LabReports.names`: an empty set would pass them all.
    @Test func everyLabFixtureIsFound() {
        #expect(LabReports.names.count >= 27, "\(LabReports.names)")
    }
}
