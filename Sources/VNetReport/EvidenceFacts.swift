import VNetEvaluate
import VNetJudge

/// One piece of evidence taken apart into the facts a reader needs, for the formats that give a finding
/// as text (the text report, JUnit failure bodies, Markdown tickets): each format lays them out its own
/// way, but they say the same things.
struct EvidenceFacts: Equatable {
    /// What the evidence shows, in one line.
    var summary: String
    /// Where it comes from (`ip filter FORWARD #3`, `sysctl net.ipv4.ip_forward`).
    var source: String?
    /// The rule text or value, verbatim; may hold several lines.
    var text: String?
    /// The packet walked, as `192.168.122.11 -> 1.1.1.1 tcp/443 new in virbr0`.
    var packet: String?
    /// Its fate and where it leaves: `dropped`, `accepted, leaves eth0`.
    var fate: String?
    /// The rule or policy that decided the fate.
    var decidedBy: String?
    /// `source NAT: ...`, `destination NAT: ...`.
    var translations: [String]
    /// Why the walk stayed undecided.
    var undecided: [String]
    /// The evidence pcap, relative to the report.
    var file: String?

    init(_ evidence: Evidence) {
        summary = evidence.summary
        source = evidence.source
        text = evidence.text
        file = evidence.file
        translations = []
        undecided = []
        guard let path = evidence.path else { return }
        let p = path.packet
        let ports = p.destinationPort.map { "/\($0)" } ?? ""
        packet = "\(p.source) -> \(p.destination) \(p.proto)\(ports) \(p.state.rawValue)"
            + (p.inInterface.map { " in \($0)" } ?? " from the host")
        fate = path.fate.rawValue + (path.egressInterface.map { ", leaves \($0)" } ?? "")
        decidedBy = path.decidedBy
        if let snat = path.sourceTranslation { translations.append("source NAT: \(snat)") }
        if let dnat = path.destinationTranslation { translations.append("destination NAT: \(dnat)") }
        undecided = path.unknownBecause
    }

    /// The facts as indented plain-text lines (the rule text verbatim, one line per line).
    var plainLines: [String] {
        var lines = ["- " + summary]
        if let source { lines.append("  from " + source) }
        if let text { lines += text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 } }
        if let packet, let fate { lines.append("  packet \(packet): \(fate)") }
        if let decidedBy { lines.append("  decided by \(decidedBy)") }
        lines += translations.map { "  " + $0 }
        lines += undecided.map { "  undecided: " + $0 }
        if let file { lines.append("  packets: " + file) }
        return lines
    }
}

extension Finding {
    /// `claim.nat.outbound-translated (ipv4)`: the id, with the family when the check is about one.
    var qualifiedID: String {
        id + (family.map { " (\($0.rawValue))" } ?? "")
    }

    /// Message, evidence and fix as plain text: what a person needs to act on a finding without the report.
    var plainAccount: String {
        var lines = [message]
        if !evidence.isEmpty {
            lines.append("")
            lines.append("evidence:")
            lines += evidence.flatMap { EvidenceFacts($0).plainLines }
        }
        if let fix = remediation {
            lines.append("")
            lines.append("fix: " + fix.summary)
            lines += fix.commands.map { "  $ " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}
