import Foundation
import VNetJudge
import VNetModel
import VNetTestSupport

/// Check reports of the lab, judged the way `vnetaudit check` judges them (claims plus the catalogue), from
/// the host states saved in Tests/VNetJudgeTests/Fixtures/claims (`BACKEND-STATE.json.gz`).
enum LabReports {
    struct Missing: Error { let path: String }

    static let claimsFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VNetJudgeTests/Fixtures/claims")

    /// The repository's root, for files the tests check in place (deploy/prometheus).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func host(_ name: String) throws -> HostState {
        let path = claimsFixtures.appendingPathComponent("\(name).json.gz").path
        guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
        return try ModelJSON.decoder().decode(HostState.self, from: Data(try Shell.check(["gzip", "-dc", path]).utf8))
    }

    /// The report of fixture `name`; `edit` may change the host state first (hostile names).
    static func report(_ name: String, edit: (inout HostState) -> Void = { _ in }) throws -> AuditReport {
        var host = try host(name)
        edit(&host)
        let scope = AuditScope(host: host)
        return AuditReport.assemble(scope: scope, claims: { ClaimJudge.judge($0, on: host) },
                                    rules: try Catalogue.standard().run(scope),
                                    source: "snapshot /var/tmp/lab \(name)", version: "0.0.0-test",
                                    generatedAt: Date(timeIntervalSince1970: 1_800_000_123))
    }

    /// Every fixture's name.
    static func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: claimsFixtures.path)
            .filter { $0.hasSuffix(".json.gz") }.map { String($0.dropLast(".json.gz".count)) }.sorted()
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
