import VNetJudge
import VNetModel

/// The diff for people: regressions first, each with the rule changes (their text, table and chain) or
/// settings that explain it, then improvements, other check changes, networks added or removed, and
/// every state change.
public enum DiffTextRenderer {
    public static func render(_ diff: ReportDiff) -> String {
        var out: [String] = []
        out.append("before: \(describe(diff.before))")
        out.append("after:  \(describe(diff.after))")
        guard diff.changed else {
            out.append("")
            out.append("no change: every verdict and check is the same" + (diff.stateChanges == nil ? " (state changes unknown)" : ", and so is the state"))
            return out.joined(separator: "\n") + "\n"
        }
        let checks = diff.changedChecks
        let regressions = checks.filter(\.isRegression)
        let improvements = checks.filter { $0.change == .improved }
        let others = checks.filter { !$0.isRegression && $0.change != .improved }
        out.append("")
        out.append(regressions.isEmpty
                   ? "no regression (\(improvements.count) improved, \(others.count) other check changes)"
                   : "REGRESSED: \(regressions.count) check\(regressions.count == 1 ? "" : "s") got worse (\(improvements.count) improved)")
        if let reason = diff.stateUnknownBecause { out.append("note: \(reason)") }
        section("Regressions", regressions, diff: diff, into: &out)
        section("Improvements", improvements, diff: diff, into: &out)
        section("Other check changes", others, diff: diff, into: &out)
        let moved = diff.networks.filter { $0.presence != .kept || $0.verdictBefore != $0.verdictAfter }
        if !moved.isEmpty {
            out.append("")
            out.append("Networks")
            for network in moved {
                out.append("  \(network.name) (\(network.mode.rawValue)): " + (network.presence == .kept
                    ? "verdict \(status(network.verdictBefore)) -> \(status(network.verdictAfter))"
                    : "\(network.presence.rawValue) (verdict \(status(network.verdictAfter ?? network.verdictBefore)))"))
            }
        }
        if let changes = diff.stateChanges, !changes.isEmpty {
            out.append("")
            out.append("State changes (\(changes.count))")
            for change in changes { out += lines(change, indent: "  ") }
        }
        let unchanged = (diff.networks.flatMap(\.checks) + diff.hostChecks).filter { !$0.isChange }.count
        out.append("")
        out.append("\(unchanged) check\(unchanged == 1 ? "" : "s") unchanged; exit \(diff.exitCode)")
        return out.joined(separator: "\n") + "\n"
    }

    private static func describe(_ side: ReportDiff.Side) -> String {
        "\(side.label): host \(side.hostname), \(side.source), verdict \(side.verdict.rawValue)"
            + (side.hasState ? "" : " (no state recorded)")
    }

    private static func status(_ status: CheckStatus?) -> String { status?.rawValue ?? "-" }

    private static func section(_ title: String, _ checks: [CheckChange], diff: ReportDiff, into out: inout [String]) {
        guard !checks.isEmpty else { return }
        out.append("")
        out.append(title)
        let groups = Dictionary(grouping: checks, by: { $0.network ?? "" })
        let order = diff.networks.map(\.name) + [""]
        for name in order {
            guard let group = groups[name] else { continue }
            if let network = diff.networks.first(where: { $0.name == name }) {
                out.append("  network \(name) (\(network.mode.rawValue)): verdict \(status(network.verdictBefore)) -> \(status(network.verdictAfter))")
            } else {
                out.append("  host")
            }
            for check in group {
                let family = check.family.map { " \($0.rawValue)" } ?? ""
                out.append("    \(check.change.rawValue): \(check.id)\(family): \(status(check.before)) -> \(status(check.after))  \(check.title)")
                out.append("      \(check.message)")
                guard let explaining = check.explainedBy else {
                    if check.change == .regressed || check.change == .improved, diff.stateChanges == nil {
                        out.append("      explained by: unknown (no state in the reports)")
                    }
                    continue
                }
                if explaining.isEmpty {
                    out.append("      explained by: no changed rule or setting on its evidence path explains it")
                } else {
                    out.append("      explained by:")
                    for change in explaining { out += lines(change, indent: "        ") }
                }
            }
        }
    }

    /// `removed rule ip nat LIBVIRT_PRT (x_tables) #3:` then the rule text; `changed net.ipv4.ip_forward: 1 -> 0`.
    static func lines(_ change: StateChange, indent: String) -> [String] {
        switch change.area {
        case .firewallRule:
            let place = change.location.map(\.description) ?? change.subject
            switch change.kind {
            case .moved:
                return ["\(indent)moved rule in \(place): #\(change.positionBefore ?? 0) -> #\(change.positionAfter ?? 0)",
                        "\(indent)    \(change.after ?? "")"]
            default:
                let position = change.kind == .added ? change.positionAfter : change.positionBefore
                return ["\(indent)\(change.kind.rawValue) rule in \(place)\(position.map { " #\($0)" } ?? ""):",
                        "\(indent)    \(change.after ?? change.before ?? "")"]
            }
        default:
            switch change.kind {
            case .added: return ["\(indent)added \(change.subject): \(change.after ?? "")"]
            case .removed: return ["\(indent)removed \(change.subject): \(change.before ?? "")"]
            case .changed, .moved: return ["\(indent)changed \(change.subject): \(change.before ?? "-") -> \(change.after ?? "-")"]
            }
        }
    }
}
