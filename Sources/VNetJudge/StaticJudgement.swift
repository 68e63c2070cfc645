import Dispatch
import Foundation
import Synchronization
import VNetModel

/// The judgement of a host from its state alone: every network's mode claims and the diagnostic
/// catalogue, no traffic. `check` adds its traffic findings to it; `diff` judges a snapshot with it. The
/// report it makes carries the judged state, so two reports can be compared later.
public struct StaticJudgement: Sendable {
    public let scope: AuditScope
    private let claims: [String: [Finding]]
    private let rules: [ScopedFinding]

    /// Judges the claims and runs `catalogue` side by side (two cores: neither waits for the other).
    public init(scope: AuditScope, catalogue: Catalogue) {
        self.scope = scope
        let judged = Mutex<[String: [Finding]]>([:])
        let ran = Mutex<[ScopedFinding]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                let claims = Dictionary(scope.networks.map { ($0.name, ClaimJudge.judge($0, on: scope.host)) },
                                        uniquingKeysWith: { first, _ in first })
                judged.withLock { $0 = claims }
            } else {
                let rules = catalogue.run(scope)
                ran.withLock { $0 = rules }
            }
        }
        claims = judged.withLock { $0 }
        rules = ran.withLock { $0 }
    }

    /// The report: the static findings plus `extraFindings` of each network and `extraHostFindings`.
    public func report(source: String, version: String, extraFindings: (String) -> [Finding] = { _ in [] },
                       extraHostFindings: [Finding] = [], generatedAt: Date = Date()) -> AuditReport {
        var report = AuditReport.assemble(
            scope: scope, claims: { network in (claims[network.name] ?? []) + extraFindings(network.name) },
            rules: rules, extraHostFindings: extraHostFindings, source: source, version: version, generatedAt: generatedAt)
        report.state = scope.host
        return report
    }
}
