import Foundation
import VNetJudge
import VNetModel

/// What changed between two check reports of a host: per network its verdict and checks, the host
/// findings, and (when both reports carry the state they judged) the state changes, each regressed or
/// improved check with the changes that explain it. The JSON form is documented in docs/diff.md.
public struct ReportDiff: Codable, Sendable {
    /// Bumped on any incompatible change of the JSON shape.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var before: Side
    public var after: Side
    /// Some check regressed (or a new one does not pass): the exit code is 1.
    public var regressed: Bool
    /// Anything at all differs: a verdict, a check, a network, the state.
    public var changed: Bool
    /// Networks of either report, by name.
    public var networks: [NetworkChange]
    /// Findings about no single network.
    public var hostChecks: [CheckChange]
    /// The state changes, firewall first; nil when a report does not carry its state.
    public var stateChanges: [StateChange]?
    /// Why state changes are unknown, when they are.
    public var stateUnknownBecause: String?

    /// One of the two reports.
    public struct Side: Codable, Sendable, Hashable {
        /// The file or directory it was read from.
        public var label: String
        public var hostname: String
        public var generatedAt: Date
        public var source: String
        public var verdict: CheckStatus
        /// The report carries the state it judged.
        public var hasState: Bool

        init(_ report: AuditReport, label: String) {
            self.label = label
            hostname = report.host.hostname
            generatedAt = report.generatedAt
            source = report.host.source
            verdict = report.verdict
            hasState = report.state != nil
        }
    }

    /// Every check of both sides that changed, regressions first.
    public var changedChecks: [CheckChange] {
        (networks.flatMap(\.checks) + hostChecks).filter(\.isChange)
    }

    /// 1 when something regressed, 0 otherwise (2, could not compare, is the caller's).
    public var exitCode: Int32 { regressed ? 1 : 0 }

    public init(before: AuditReport, after: AuditReport, beforeLabel: String, afterLabel: String) {
        schemaVersion = Self.currentSchemaVersion
        self.before = Side(before, label: beforeLabel)
        self.after = Side(after, label: afterLabel)
        if let old = before.state, let new = after.state {
            stateChanges = FirewallDiff.changes(before: old.firewall, after: new.firewall)
                + HostSettingsDiff.changes(before: old, after: new)
        } else {
            let missing = [before.state == nil ? beforeLabel : nil, after.state == nil ? afterLabel : nil].compactMap { $0 }
            stateUnknownBecause = "\(missing.joined(separator: " and ")) carries no host state (a report made before "
                + "reports carried it, or not by check): verdicts are compared, state changes are unknown"
        }
        let changes = stateChanges
        let oldNetworks = Dictionary(before.networks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNetworks = Dictionary(after.networks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let names = before.networks.map(\.name) + after.networks.map(\.name).filter { oldNetworks[$0] == nil }
        networks = names.map { name in
            let old = oldNetworks[name], new = newNetworks[name]
            let reports = [old, new].compactMap { $0 }
            let checks = CheckChange.pair(network: name, before: old?.checks ?? [], after: new?.checks ?? [])
                .map { Self.compared(network: name, $0.before, $0.after, networks: reports, changes: changes) }
            return NetworkChange(name: name, presence: old == nil ? .added : new == nil ? .removed : .kept,
                                 mode: (new ?? old)!.mode, verdictBefore: old?.verdict, verdictAfter: new?.verdict,
                                 checks: Self.ordered(checks))
        }
        hostChecks = Self.ordered(CheckChange.pair(network: nil, before: before.hostFindings, after: after.hostFindings)
            .map { Self.compared(network: nil, $0.before, $0.after, networks: [], changes: changes) })
        regressed = (networks.flatMap(\.checks) + hostChecks).contains(where: \.isRegression)
        changed = networks.contains(where: \.changed) || hostChecks.contains(where: \.isChange) || !(stateChanges ?? []).isEmpty
    }

    private static func compared(network: String?, _ old: Finding?, _ new: Finding?, networks: [NetworkReport],
                                 changes: [StateChange]?) -> CheckChange {
        var check = CheckChange(network: network, before: old, after: new)
        if check.wantsExplanation, let changes {
            check.explainedBy = ChangeExplanation(findings: [old, new].compactMap { $0 }, networks: networks).explaining(changes)
        }
        return check
    }

    /// Regressions, then improvements, new, gone, unchanged; by id within each.
    private static func ordered(_ checks: [CheckChange]) -> [CheckChange] {
        func rank(_ c: CheckChange) -> Int {
            c.isRegression ? 0 : CheckChange.Change.allCases.firstIndex(of: c.change)! + 1
        }
        return checks.enumerated().sorted { a, b in
            (rank(a.element), a.element.id, a.offset) < (rank(b.element), b.element.id, b.offset)
        }.map(\.element)
    }
}
