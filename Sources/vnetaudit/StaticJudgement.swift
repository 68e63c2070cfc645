import VNetJudge
import VNetModel

/// The judgement of a host from its state alone: every network's mode claims and the diagnostic
/// catalogue, no traffic. `check` adds its traffic findings to it; `diff` judges a snapshot with it.
/// The report it makes carries the judged state, so two reports can be compared later.
struct StaticJudgement {
    let scope: AuditScope
    private let claims: Background<[String: [Finding]]>
    private let rules: [ScopedFinding]

    /// Judges the claims on another thread while the catalogue runs on this one.
    /// - Parameter catalogue: the catalogue, loading (`loadCatalogue()`, started before the host was read).
    init(scope: AuditScope, catalogue: Background<Catalogue>) throws {
        self.scope = scope
        let host = scope.host
        let networks = scope.networks
        claims = Background {
            Dictionary(networks.map { ($0.name, ClaimJudge.judge($0, on: host)) }, uniquingKeysWith: { first, _ in first })
        }
        rules = try catalogue.value.run(scope)
    }

    /// Starts loading the built-in catalogue; it is compiled in, so failing to load it is a defect of the build.
    static func loadCatalogue() -> Background<Catalogue> {
        Background {
            do {
                return try Catalogue.standard()
            } catch {
                throw VNetAuditFailure("the built-in rule catalogue does not load: \(error)")
            }
        }
    }

    /// The report: the static findings plus `extraFindings` of each network and `extraHostFindings`.
    func report(source: String, extraFindings: (String) -> [Finding] = { _ in [] },
                extraHostFindings: [Finding] = []) throws -> AuditReport {
        let claims = try claims.value
        var report = AuditReport.assemble(
            scope: scope, claims: { network in (claims[network.name] ?? []) + extraFindings(network.name) },
            rules: rules, extraHostFindings: extraHostFindings, source: source, version: VNetAudit.version)
        report.state = scope.host
        return report
    }
}
