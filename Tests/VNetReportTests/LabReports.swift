import Foundation
import VNetJudge
import VNetModel
import VNetTestSupport

/// Check reports of the lab's saved host states (Tests/VNetJudgeTests/Fixtures/claims, healthy and
/// broken), judged as `vnetaudit check` judges a host: every network's claims plus the standard catalogue.
enum LabReports {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VNetJudgeTests/Fixtures/claims")

    /// Every saved state's name (`nftables-masquerade-removed`...).
    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json.gz") }.map { String($0.dropLast(".json.gz".count)) }.sorted()
    }

    static func host(_ name: String) throws -> HostState {
        let json = try Shell.check(["gzip", "-dc", directory.appendingPathComponent("\(name).json.gz").path])
        return try ModelJSON.decoder().decode(HostState.self, from: Data(json.utf8))
    }

    /// The report of saved state `name`, judged once per test run (judging every fixture takes seconds).
    static func report(_ name: String) throws -> AuditReport {
        try cache.value(name) { try judged(name) }
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

    private static func judged(_ name: String) throws -> AuditReport {
        let host = try host(name)
        let scope = AuditScope(host: host)
        return AuditReport.assemble(scope: scope, claims: { ClaimJudge.judge($0, on: host) },
                                    rules: try Catalogue.standard().run(scope),
                                    source: "lab fixture \(name)", version: "test",
                                    generatedAt: Date(timeIntervalSince1970: 1_800_000_000))
    }
}
