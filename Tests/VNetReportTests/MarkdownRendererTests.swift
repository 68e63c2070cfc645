import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import VNetJudge
import VNetEvaluate
import VNetModel
@testable import VNetReport

/// `--format markdown` of real lab reports, read back by GitHub's own Markdown parser (cmark-gfm, its
/// CommonMark XML tree): the table has its columns, code blocks hold exactly the commands and rule text,
/// and hostile names stay text (no HTML, no broken table, no escaped fence).
@Suite struct MarkdownRendererTests {
    /// The document tree cmark-gfm (with GitHub's extensions) parses `markdown` into.
    static func parse(_ markdown: String) throws -> XMLDocument {
        let out = try LabReports.check(markdown, named: "report.md") {
            ["cmark-gfm", "--to", "xml", "--extension", "table", "--extension", "strikethrough",
             "--extension", "autolink", "--extension", "tagfilter", $0]
        }
        #expect(out.status == 0, "\(out.stderr)")
        // Namespace and DTD off, so plain XPath names work.
        let xml = out.stdout.replacingOccurrences(of: " xmlns=\"http://commonmark.org/xml/1.0\"", with: "")
            .replacingOccurrences(of: "<!DOCTYPE document SYSTEM \"CommonMark.dtd\">", with: "")
        return try XMLDocument(xmlString: xml, options: [])
    }

    static func nodes(_ node: XMLNode, _ xpath: String) throws -> [XMLElement] {
        try node.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    /// The text of a node as a reader sees it: its text and code pieces joined.
    static func text(_ node: XMLNode) -> String { node.stringValue ?? "" }

    @Test func ticketShowsVerdictTableFailuresWithEvidenceAndFixAndPassesAsAList() throws {
        let report = try LabReports.report("nftables-forward-dev-down")
        let markdown = MarkdownRenderer.render(report)
        let tree = try Self.parse(markdown)

        let title = try #require(try Self.nodes(tree, "/document/heading[@level='1']").first)
        #expect(Self.text(title) == "vnetaudit check of \(report.host.hostname): FAIL")

        let table = try #require(try Self.nodes(tree, "/document/table").first)
        let rows = try Self.nodes(table, "table_row")
        #expect(rows.count == report.networks.count + (report.hostFindings.isEmpty ? 0 : 1))
        for (network, row) in zip(report.networks, rows) {
            let cells = try Self.nodes(row, "table_cell").map(Self.text)
            #expect(cells.count == 6)
            #expect(cells[0] == network.name && cells[1] == network.mode.rawValue && cells[2] == (network.bridge ?? ""))
            #expect(cells[4] == network.verdict.rawValue.uppercased())
        }

        let headings = try Self.nodes(tree, "/document/heading[@level='3']").map(Self.text)
        let paragraphs = try Self.nodes(tree, "/document/paragraph").map(Self.text)
        let blocks = try Self.nodes(tree, "//code_block")
        let findings = report.networks.flatMap(\.checks) + report.hostFindings
        for finding in findings where finding.status != .pass {
            #expect(headings.contains { $0.hasPrefix("\(finding.status.rawValue.uppercased()) \(finding.qualifiedID): \(finding.title)") })
            #expect(paragraphs.contains(finding.message.trimmingCharacters(in: .whitespaces)), "\(finding.id)")
            if let commands = finding.remediation?.commands, !commands.isEmpty {
                #expect(blocks.contains { Self.attribute($0, "info") == "sh" && Self.text($0) == commands.joined(separator: "\n") + "\n" })
            }
        }
        let passedLists = paragraphs.filter { $0.hasPrefix("Passed (") }
        #expect(passedLists.count == report.networks.filter { $0.checks.contains { $0.status == .pass } }.count
                + (report.hostFindings.contains { $0.status == .pass } ? 1 : 0))
        for finding in findings where finding.status == .pass {
            #expect(passedLists.contains { $0.contains(finding.qualifiedID + " " + finding.title) })
        }
    }

    @Test func evidenceShowsPathSummaryRuleTextAndPcapFiles() throws {
        var report = try LabReports.report("iptables-chains-flushed")
        let failed = try #require(report.networks[0].checks.firstIndex { $0.status == .fail })
        var walks: [PathReport] = []
        for name in LabReports.names {
            walks += try LabReports.report(name).networks.flatMap(\.checks).flatMap(\.evidence).compactMap(\.path)
        }
        let path = try #require(walks.first { $0.decidedBy != nil }, "a walk a rule decided")
        let translated = try #require(walks.first { $0.sourceTranslation != nil }, "a walk that was translated")
        let rule = "-A FORWARD -m comment --comment \"```` fence | pipe\" -j DROP\n-A FORWARD -j ACCEPT"
        report.networks[0].checks[failed].evidence += [
            Evidence(kind: .rule, summary: "the rule that drops it", source: "ip filter FORWARD #3", text: rule),
            Evidence.path("the packet's walk", path),
            Evidence.path("the translated walk", translated),
            Evidence(kind: .packets, summary: "guest packets on the uplink", source: "eth0", file: "evidence/default-eth0.pcap"),
        ]
        let tree = try Self.parse(MarkdownRenderer.render(report))
        #expect(try Self.nodes(tree, "//code_block").contains { Self.text($0) == rule + "\n" }, "rule text verbatim despite the backticks")
        let items = try Self.nodes(tree, "//item").map(Self.text)
        #expect(items.contains { $0.contains("decided by \(path.decidedBy!)") })
        #expect(items.contains { $0 == "source NAT: \(translated.sourceTranslation!)" })
        #expect(items.contains { $0.contains("packet \(path.packet.source) -> \(path.packet.destination)") && $0.contains(path.fate.rawValue) })
        #expect(items.contains { $0 == "packets: evidence/default-eth0.pcap" })
    }

    @Test func captureTableShowsDropsPerInterface() throws {
        var report = try LabReports.report("nftables-healthy")
        report.capture = LabReports.captureWithDrops
        report.interrupted = true
        let tree = try Self.parse(MarkdownRenderer.render(report))
        let tables = try Self.nodes(tree, "/document/table")
        #expect(tables.count == 2)
        let rows = try Self.nodes(tables[1], "table_row").map { try Self.nodes($0, "table_cell").map(Self.text) }
        #expect(rows.map { $0[0] } == ["virbr0", "vnet3", "eth0"])
        #expect(rows[0][2] == "7 / 1")
        #expect(rows[1][3] == "interface-vanished" && rows[2][3].contains("cut short"))
        #expect(try Self.nodes(tree, "/document/block_quote").map(Self.text).contains { $0.contains("Interrupted") })
    }

    @Test func hostileStringsCannotBreakTablesFencesOrBecomeMarkup() throws {
        let hostile = LabReports.hostile
        var report = try LabReports.hostileNamedReport()
        report.networks[0].checks[0].remediation = Remediation("run " + hostile, commands: ["echo '" + hostile + "'", "```"])
        report.networks[0].checks[0].status = .fail
        let tree = try Self.parse(MarkdownRenderer.render(report))
        let shown = hostile.replacingOccurrences(of: "\u{07}", with: "\u{FFFD}")
        let oneLine = shown.replacingOccurrences(of: "\n", with: " ")

        #expect(try Self.nodes(tree, "//html_inline | //html_block | //emph | //strikethrough | //link").isEmpty,
                "no text became markup")
        let rows = try Self.nodes(tree, "/document/table/table_row")
        #expect(rows.allSatisfy { (try? Self.nodes($0, "table_cell").count) == 6 }, "pipes did not add columns")
        #expect(rows.contains { (try? Self.nodes($0, "table_cell").first.map(Self.text)) == oneLine })
        #expect(try Self.text(#require(Self.nodes(tree, "/document/heading[@level='1']").first))
                == "vnetaudit check of \(oneLine): FAIL")
        let blocks = try Self.nodes(tree, "//code_block").map(Self.text)
        #expect(blocks.contains("echo '" + shown + "'\n```\n"), "the fence outlasts every backtick run inside")
        #expect(try Self.nodes(tree, "//paragraph").map(Self.text).contains { $0.contains("Fix: run " + oneLine) })
    }

    @Test func messagesCannotOpenListsHeadingsOrQuotes() throws {
        let messages = ["1. one", "2) two", "- dash", "+ plus", "# hash", "> quote", "=== eq", "192.168.1.1 is up",
                        "    indented", "<b>bold</b> & &amp; *em* ~~del~~ [l](x)"]
        let tree = try Self.parse(messages.map(Markdown.paragraph).joined(separator: "\n\n"))
        let blocks = try Self.nodes(tree, "/document/*")
        #expect(blocks.allSatisfy { $0.name == "paragraph" }, "\(blocks.map { $0.name ?? "" })")
        #expect(blocks.map(Self.text) == messages.map { $0.trimmingCharacters(in: .whitespaces) })
        #expect(Markdown.paragraph("192.168.1.1 is up") == "192.168.1.1 is up", "no needless escapes")
    }

    @Test func fencesAndSpansOutlastTheBackticksInside() {
        #expect(Markdown.codeBlock("a ```` b", language: "sh") == "`````sh\na ```` b\n`````\n")
        #expect(Markdown.codeBlock("plain") == "```\nplain\n```\n")
        #expect(Markdown.code("x``y") == "```x``y```")
        #expect(Markdown.code("`edge") == "`` `edge ``")
        #expect(Markdown.tableCell("a|b\\|c\nd") == "a\\|b\\|c d")
    }

    static func attribute(_ element: XMLElement, _ name: String) -> String? {
        element.attribute(forName: name)?.stringValue
    }
}
