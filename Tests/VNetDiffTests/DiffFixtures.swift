import Foundation
import VNetJudge
import VNetModel
import VNetTestSupport

/// Lab host states (Tests/VNetJudgeTests/Fixtures/claims/BACKEND-STATE.json.gz, healthy and broken)
/// judged into reports the way `check` judges a snapshot: claims and catalogue, with the state attached.
enum DiffFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VNetJudgeTests/Fixtures/claims")

    static func host(_ name: String) throws -> HostState {
        try ModelJSON.decoder().decode(HostState.self, from: try Shell.gunzip(directory.appendingPathComponent("\(name).json.gz").path))
    }

    static func report(_ host: HostState) throws -> AuditReport {
        try StaticJudgement(scope: AuditScope(host: host), catalogue: Catalogue.standard()).report(source: "fixture", version: "test")
    }

    static func report(_ name: String) throws -> AuditReport { try report(host(name)) }
}
