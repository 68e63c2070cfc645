import Foundation
import VNetJudge
import VNetModel

/// Renders a check report as GitHub-flavoured Markdown for a ticket (docs/formats.md): title with host and
/// verdict, a table of networks, then every check that did not pass with its evidence and fix, and the
/// passed ones as a compact list. Report text reaches the Markdown only through `Markdown`'s escapes, so a
/// name or rule text cannot break a table or a code block.
public enum MarkdownRenderer {
    public static func render(_ report: AuditReport) -> String {
        let host = report.host
        var out = "# vnetaudit check of \(Markdown.code(host.hostname)): \(Markdown.badge(report.verdict))\n\n"
        var facts = ["source: \(Markdown.code(host.source))", "state of \(ModelJSON.format(host.collectedAt))",
                     "vnetaudit \(Markdown.inline(report.tool.version))", "exit code \(report.exitCode)"]
        if let backend = host.libvirtFirewallBackend { facts.append("libvirt firewall backend: \(backend.rawValue)") }
        out += facts.joined(separator: " · ") + "\n\n"
        if report.interrupted {
            out += "> **Interrupted:** the run ended early; what follows is what was judged until then.\n\n"
        }
        out += summaryTable(report) + "\n"
        out += "Checks: " + CheckRenderer.summaryLine(report) + ".\n"
        for network in report.networks {
            var heading = "Network \(Markdown.code(network.name)) (\(network.mode.rawValue)"
            if let bridge = network.bridge { heading += ", \(Markdown.code(bridge))" }
            out += "\n## " + heading + "): " + Markdown.badge(network.verdict) + "\n"
            out += checks(network.checks)
        }
        if !report.hostFindings.isEmpty {
            out += "\n## Host: \(Markdown.badge(CheckStatus.worst(report.hostFindings.map(\.status))))\n"
            out += checks(report.hostFindings)
        }
        if let capture = report.capture { out += "\n" + captureSection(capture) }
        return out
    }

    /// One row per network (mode, bridge, verdict, counts), plus the host findings when there are any.
    static func summaryTable(_ report: AuditReport) -> String {
        var rows = [["Network", "Mode", "Bridge", "Subnets", "Verdict", "Checks"], ["---", "---", "---", "---", "---", "---"]]
        for network in report.networks {
            rows.append([Markdown.code(network.name) + (network.active ? "" : " (inactive)"), network.mode.rawValue,
                         network.bridge.map(Markdown.code) ?? "", network.subnets.map(Markdown.code).joined(separator: " "),
                         Markdown.badge(network.verdict), counts(network.checks)])
        }
        if !report.hostFindings.isEmpty {
            rows.append(["host", "", "", "", Markdown.badge(CheckStatus.worst(report.hostFindings.map(\.status))),
                         counts(report.hostFindings)])
        }
        return rows.map { "| " + $0.map(Markdown.tableCell).joined(separator: " | ") + " |\n" }.joined()
    }

    /// `1 fail, 4 pass`: worst first, zeros left out.
    static func counts(_ findings: [Finding]) -> String {
        CheckStatus.allCases.reversed().compactMap { status in
            let n = findings.filter { $0.status == status }.count
            return n > 0 ? "\(n) \(status.rawValue)" : nil
        }.joined(separator: ", ")
    }

    /// The non-passing checks in full, then the passed ones in one list.
    static func checks(_ findings: [Finding]) -> String {
        var out = ""
        for finding in findings where finding.status != .pass { out += "\n" + details(finding) }
        let passed = findings.filter { $0.status == .pass }
        if !passed.isEmpty {
            out += "\n**Passed (\(passed.count)):** "
                + passed.map { Markdown.code($0.qualifiedID) + " " + Markdown.inline($0.title) }.joined(separator: "; ") + "\n"
        }
        return out
    }

    /// A check that did not pass: message, evidence (path summary, rule text, pcap files), fix commands.
    static func details(_ finding: Finding) -> String {
        var heading = "### \(Markdown.badge(finding.status)) \(Markdown.code(finding.qualifiedID)): \(Markdown.inline(finding.title))"
        if let severity = finding.severity { heading += " (severity \(severity.rawValue))" }
        var out = heading + "\n\n" + Markdown.paragraph(finding.message) + "\n"
        if !finding.evidence.isEmpty {
            out += "\n**Evidence**\n\n"
            for evidence in finding.evidence { out += evidenceItem(EvidenceFacts(evidence)) }
        }
        if let fix = finding.remediation {
            out += "\n**Fix:** " + Markdown.inline(fix.summary) + "\n"
            if !fix.commands.isEmpty { out += "\n" + Markdown.codeBlock(fix.commands.joined(separator: "\n"), language: "sh") }
        }
        return out
    }

    /// One evidence list item; its details are nested under it (two spaces of indent).
    static func evidenceItem(_ facts: EvidenceFacts) -> String {
        var out = "- " + Markdown.inline(facts.summary) + (facts.source.map { " (from \(Markdown.code($0)))" } ?? "") + "\n"
        if let packet = facts.packet, let fate = facts.fate {
            out += "  - packet \(Markdown.code(packet)): **\(Markdown.inline(fate))**\n"
        }
        if let decidedBy = facts.decidedBy { out += "  - decided by \(Markdown.code(decidedBy))\n" }
        for translation in facts.translations { out += "  - " + Markdown.inline(translation) + "\n" }
        for reason in facts.undecided { out += "  - undecided: " + Markdown.inline(reason) + "\n" }
        if let file = facts.file { out += "  - packets: \(Markdown.code(file))\n" }
        if let text = facts.text {
            out += "\n" + Markdown.codeBlock(text).split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
        }
        return out
    }

    /// Per interface: frames, drops by cause and how the capture ended.
    static func captureSection(_ capture: CaptureSection) -> String {
        var out = "## Traffic (\(Markdown.inline(capture.source)), \(String(format: "%.1f", capture.durationSeconds)) s)\n\n"
        if let dir = capture.evidenceDirectory { out += "Evidence pcaps in \(Markdown.code(dir)).\n\n" }
        var rows = [["Interface", "Frames", "Dropped (kernel / interface)", "End", "Decode problems"],
                    ["---", "---:", "---", "---", "---"]]
        for i in capture.interfaces {
            let drops = i.counters.map { "\($0.droppedByKernel) / \($0.droppedByInterface)" }
                ?? "from " + Markdown.code(i.source)
            var end = i.end.rawValue + (i.endDetail.map { ": " + Markdown.inline($0) } ?? "")
            if i.truncatedLastRecord == true { end += ", last record cut short" }
            let decode = i.decode.map { "\($0.truncated) truncated, \($0.malformed) malformed, \($0.unsupported) unsupported" } ?? ""
            rows.append([Markdown.code(i.interface), "\(i.frames)", drops, end, decode])
        }
        out += rows.map { "| " + $0.map(Markdown.tableCell).joined(separator: " | ") + " |\n" }.joined()
        return out
    }
}

/// Escapes that keep report text inert in GitHub-flavoured Markdown.
enum Markdown {
    /// Characters with a meaning inside a line (emphasis, code, links, HTML, tables, strike-through,
    /// entities); those that matter only at a line start are `paragraph`'s concern.
    private static let significant: Set<Character> = ["\\", "`", "*", "_", "[", "<", "|", "~", "&"]

    /// Prose on one line, every significant character backslash-escaped; line breaks become spaces.
    static func inline(_ text: String) -> String {
        var out = ""
        for character in oneLine(text) {
            if significant.contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// A paragraph of prose: `inline`, and a line start that would open a list, quote or heading escaped.
    static func paragraph(_ text: String) -> String {
        let escaped = inline(text.trimmingCharacters(in: .whitespaces))
        if let first = escaped.first, "-+=#>".contains(first) { return "\\" + escaped }
        let digits = escaped.prefix { $0.isASCII && $0.isNumber }
        let afterDigits = escaped.dropFirst(digits.count)
        if !digits.isEmpty, let next = afterDigits.first, next == "." || next == ")",
           afterDigits.dropFirst().first.map({ $0 == " " || $0 == "\t" }) ?? true {
            return digits + "\\" + escaped.dropFirst(digits.count)
        }
        return escaped
    }

    /// A code span: delimited by more backticks than the longest run inside, padded when it starts or
    /// ends with a backtick, on one line.
    static func code(_ text: String) -> String {
        let line = oneLine(text)
        let fence = String(repeating: "`", count: longestRun(of: "`", in: line) + 1)
        let pad = line.hasPrefix("`") || line.hasSuffix("`") || line.hasPrefix(" ") && line.hasSuffix(" ") ? " " : ""
        return fence + pad + line + pad + fence
    }

    /// A fenced code block whose fence is longer than any backtick run in `text` (at least three), so no
    /// line of it can close the block early.
    static func codeBlock(_ text: String, language: String = "") -> String {
        let text = visible(text)
        let fence = String(repeating: "`", count: max(3, longestRun(of: "`", in: text) + 1))
        let body = text.hasSuffix("\n") ? text : text + "\n"
        return fence + language + "\n" + body + fence + "\n"
    }

    /// A table cell: already-rendered inline Markdown whose pipes cannot end the cell (GFM splits cells
    /// before it reads code spans, so even a pipe inside one needs its backslash).
    static func tableCell(_ markdown: String) -> String {
        var out = ""
        var escaped = false
        for character in oneLine(markdown) {
            if character == "|" && !escaped { out.append("\\") }
            escaped = character == "\\" && !escaped
            out.append(character)
        }
        return out
    }

    /// The status in bold capitals.
    static func badge(_ status: CheckStatus) -> String { "**\(status.rawValue.uppercased())**" }

    private static func oneLine(_ text: String) -> String {
        visible(text).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Control characters other than tab and line breaks (a terminal escape in a rule comment) shown as
    /// U+FFFD: a ticket is no place for them, and Markdown tools choke on them.
    private static func visible(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let control = scalar.value < 0x20 && !["\t", "\n", "\r"].contains(scalar) || scalar.value == 0x7F
            out.append(control ? "\u{FFFD}" : scalar)
        }
        return String(out)
    }

    private static func longestRun(of mark: Character, in text: String) -> Int {
        var longest = 0
        var current = 0
        for character in text {
            current = character == mark ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }
}
