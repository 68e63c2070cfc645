import Foundation
import VNetJudge
import VNetModel
import VNetTestSupport

/// Check reports of lab host states (Tests/VNetJudgeTests/Fixtures/claims/BACKEND-STATE.json.gz), judged the
/// way `check` judges them (claims and the standard catalogue), each under the hostname a test gives it.
enum FleetFixtures {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let claims = repository.appendingPathComponent("Tests/VNetJudgeTests/Fixtures/claims")

    /// The lab's host state `state` (e.g. `nftables-healthy`), renamed `hostname`.
    static func host(_ state: String, hostname: String) throws -> HostState {
        let path = claims.appendingPathComponent("\(state).json.gz").path
        var host = try ModelJSON.decoder().decode(HostState.self, from: try Shell.gunzip(path))
        host.hostname = hostname
        return host
    }

    /// The check report of `state` on a host named `hostname`, generated at `generatedAt`.
    static func report(_ state: String, hostname: String, generatedAt: Date = Date(timeIntervalSince1970: 1_800_000_000)) throws -> AuditReport {
        let host = try host(state, hostname: hostname)
        return try StaticJudgement(scope: AuditScope(host: host), catalogue: Catalogue.standard())
            .report(source: "snapshot \(state)", version: "0.0.0-test", generatedAt: generatedAt)
    }

    static func json(_ report: AuditReport) throws -> Data {
        try ModelJSON.encoder().encode(report)
    }
}
