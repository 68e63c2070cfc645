import Foundation
import VNetEvaluate
import VNetJudge
import VNetModel

/// Renders a check report for people: per network its mode, bridge, subnets and verdict, then each check.
/// Passed checks take one line; the others show what was found, the evidence behind it and the fix.
public enum CheckRenderer {
    public static func render(_ report: AuditReport, color: Bool = false) -> String {
        let style = TextStyle(enabled: color)
        var out = ""
        let host = report.host
        out += style.bold("vnetaudit check") + " of \(host.hostname) (\(host.source), state of \(ModelJSON.format(host.collectedAt)))\n"
        if let backend = host.libvirtFirewallBackend { out += "libvirt firewall backend: \(backend.rawValue)\n" }
        if report.interrupted { out += style.warn("interrupted: the run ended early; what follows is what was judged until then") + "\n" }
        if report.networks.isEmpty { out += "\nno libvirt network to judge\n" }
        for network in report.networks {
            out += "\n" + networkHeading(network, style) + "\n"
            for check in network.checks { out += render(check, style) }
        }
        if let capture = report.capture { out += "\n" + render(capture, style) }
        if !report.hostFindings.isEmpty {
            out += "\n" + style.bold("host") + "  " + badge(CheckStatus.worst(report.hostFindings.map(\.status)), style, padded: false) + "\n"
            for finding in report.hostFindings { out += render(finding, style) }
        }
        out += "\n" + summaryLine(report) + "\n"
        out += "verdict: " + badge(report.verdict, style, padded: false) + " (exit \(report.exitCode))\n"
        return out
    }

    /// What traffic was judged, per interface: frames, drops (which make "nothing bad seen" inconclusive),
    /// how the capture ended and how the frames decoded.
    static func render(_ capture: CaptureSection, _ style: TextStyle) -> String {
        var heading = style.bold("traffic") + " (\(capture.source), \(String(format: "%.1f", capture.durationSeconds)) s"
        if let dir = capture.evidenceDirectory { heading += "; evidence pcaps in \(dir)" }
        var out = heading + ")\n"
        for interface in capture.interfaces {
            var parts = ["\(interface.frames) frames"]
            if let c = interface.counters {
                let drops = "dropped \(c.droppedByKernel) by the kernel, \(c.droppedByInterface) by the interface"
                parts.append(c.dropped > 0 ? style.warn(drops) : drops)
            } else {
                parts.append("from \(interface.source)")
            }
            if interface.end != .completed {
                parts.append(style.warn(interface.end.rawValue + (interface.endDetail.map { ": \($0)" } ?? "")))
            }
            if interface.truncatedLastRecord == true { parts.append(style.warn("last record cut short")) }
            if let tally = interface.decode, tally.truncated + tally.malformed + tally.unsupported > 0 {
                parts.append("\(tally.truncated) truncated, \(tally.malformed) malformed, \(tally.unsupported) unsupported")
            }
            out += "  \(interface.interface)  " + parts.joined(separator: "; ") + "\n"
        }
        return out
    }

    private static func networkHeading(_ network: NetworkReport, _ style: TextStyle) -> String {
        var parts = [style.bold("network \(network.name)"), network.mode.rawValue]
        if let bridge = network.bridge { parts.append(bridge) }
        if let dev = network.forwardDevice { parts.append("dev \(dev)") }
        parts += network.subnets
        if !network.active { parts.append("(inactive)") }
        return parts.joined(separator: "  ") + "  " + badge(network.verdict, style, padded: false)
    }

    private static func render(_ finding: Finding, _ style: TextStyle) -> String {
        let family = finding.family.map { " [\($0.rawValue)]" } ?? ""
        var out = "  \(badge(finding.status, style))  \(finding.id)\(family)  \(finding.title)\n"
        guard finding.status != .pass else { return out }
        let indent = String(repeating: " ", count: 16)
        out += wrap(finding.message, indent: indent)
        for evidence in finding.evidence { out += render(evidence, indent: indent, style) }
        if let fix = finding.remediation {
            out += indent + style.bold("fix: ") + fix.summary + "\n"
            for command in fix.commands { out += indent + "  $ " + command + "\n" }
        }
        return out
    }

    private static func render(_ evidence: Evidence, indent: String, _ style: TextStyle) -> String {
        var out = indent + style.dim("evidence: ") + evidence.summary + "\n"
        let detail = indent + "          "
        if let source = evidence.source { out += detail + "from " + source + (evidence.text.map { ": \($0)" } ?? "") + "\n" }
        else if let text = evidence.text { out += detail + text + "\n" }
        let facts = EvidenceFacts(evidence)
        if let packet = facts.packet, let fate = facts.fate { out += detail + "packet \(packet): \(fate)\n" }
        for translation in facts.translations { out += detail + translation + "\n" }
        if let decider = facts.decidedBy { out += detail + "decided by \(decider)\n" }
        for reason in facts.undecided { out += detail + "undecided: \(reason)\n" }
        return out
    }

    static func summaryLine(_ report: AuditReport) -> String {
        func counts(_ counts: [CheckStatus: Int]) -> String {
            CheckStatus.allCases.reversed().compactMap { status in
                counts[status].flatMap { $0 > 0 ? "\($0) \(status.rawValue)" : nil }
            }.joined(separator: ", ")
        }
        let checks = report.summary.checks.values.reduce(0, +)
        return "\(report.networks.count) network\(report.networks.count == 1 ? "" : "s") (\(counts(report.summary.networks))); "
            + "\(checks) check\(checks == 1 ? "" : "s") (\(counts(report.summary.checks)))"
    }

    /// The status in capitals; padded to one width for the check lines so titles line up.
    private static func badge(_ status: CheckStatus, _ style: TextStyle, padded: Bool = true) -> String {
        let name = status.rawValue.uppercased()
        let label = padded ? name.padding(toLength: 12, withPad: " ", startingAt: 0) : name
        switch status {
        case .pass: return style.good(label)
        case .warn: return style.warn(label)
        case .inconclusive: return style.warn(label)
        case .fail: return style.bad(label)
        }
    }

    /// Wraps prose at about 100 columns under `indent`.
    private static func wrap(_ text: String, indent: String) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + word.count + 1 > 100 - indent.count {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.map { indent + $0 + "\n" }.joined()
    }
}
