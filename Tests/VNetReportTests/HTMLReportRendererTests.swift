import Foundation
import Testing
import VNetEvaluate
import VNetJudge
import VNetModel
@testable import VNetReport

/// The HTML report's markup: every check of the report is on the page, text from the host is escaped
/// wherever it lands, nothing is fetched from anywhere, packet walks show translation and drops, and the
/// status filters are there.
@Suite struct HTMLReportRendererTests {
    static let hostile = "<script>alert(\"x\")</script><img src=x onerror=alert(1)>&'"
    static let hostileEscaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp;&#39;"

    /// Every packet walk cited by the report's checks.
    static func walks(_ report: AuditReport) -> [PathReport] {
        (report.networks.flatMap(\.checks) + report.hostFindings).flatMap(\.evidence).compactMap(\.path)
    }

    /// The markup of network number `index`'s section.
    static func section(_ html: String, network index: Int) throws -> Substring {
        let start = try #require(html.range(of: "<section class=\"network\" id=\"\(HTMLReportRenderer.networkAnchor(index))\""))
        let end = try #require(html.range(of: "</section>", range: start.upperBound..<html.endIndex))
        return html[start.lowerBound..<end.upperBound]
    }

    static func count(_ needle: String, in text: some StringProtocol) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test(arguments: LabReports.names)
    func everyCheckOfTheReportIsOnThePageUnderItsNetwork(fixture: String) throws {
        let report = try LabReports.report(fixture)
        let html = HTMLReportRenderer.render(report)
        #expect(Self.count("<article class=\"check ", in: html) == report.networks.flatMap(\.checks).count + report.hostFindings.count)
        for (index, network) in report.networks.enumerated() {
            let section = try Self.section(html, network: index)
            #expect(section.contains("data-verdict=\"\(network.verdict.rawValue)\""))
            #expect(section.contains("<span class=\"network-name\">\(HTMLPage.escape(network.name))</span>"))
            #expect(section.contains("<dd>\(network.mode.rawValue)</dd>"))
            #expect(Self.count("<article class=\"check ", in: section) == network.checks.count, "\(network.name)")
            for check in network.checks {
                #expect(section.contains("data-status=\"\(check.status.rawValue)\" data-check-id=\"\(HTMLPage.escape(check.id))\""),
                        "\(network.name) \(check.id)")
                #expect(section.contains(HTMLPage.escape(check.title)) && section.contains(HTMLPage.escape(check.message)))
            }
            // Claims come before catalogue rules, as in the report.
            if let claims = section.range(of: "<h3>Mode claims</h3>"), let rules = section.range(of: "<h3>Catalogue rules</h3>") {
                #expect(claims.lowerBound < rules.lowerBound)
            }
        }
        #expect(html.contains("Overall verdict: \(HTMLPage.badge(report.verdict))"))
    }

    @Test(arguments: LabReports.names)
    func nothingIsFetchedFromAnywhere(fixture: String) throws {
        let html = HTMLReportRenderer.render(try LabReports.report(fixture))
        for forbidden in ["http:", "https:", "<link", "<img", "<iframe", "<object", "<embed", " src=", "url(", "@import", "@font-face"] {
            #expect(!html.contains(forbidden), "\(fixture): \(forbidden)")
        }
        let hrefs = html.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        for href in hrefs {
            #expect(href.hasPrefix("#") || !href.contains(":"), "\(fixture): href \(href) is not in the page or beside it")
        }
        #expect(Self.count("<script", in: html) == 1, "the page's own script only")
    }

    /// The broken-NAT report with hostile text in every field that reaches the page.
    static func hostileReport() throws -> AuditReport {
        var report = try LabReports.report("nftables-masquerade-removed")
        report.host.hostname = Self.hostile
        report.host.source = Self.hostile
        report.networks[0].name = Self.hostile
        report.networks[0].bridge = Self.hostile
        report.networks[0].subnets.append(Self.hostile)
        var check = try #require(report.networks[0].checks.first { $0.evidence.contains { $0.path != nil } })
        check.title = Self.hostile
        check.message = Self.hostile
        check.id = Self.hostile
        var walk = try #require(check.evidence.first { $0.path != nil }?.path)
        walk.packet.inInterface = Self.hostile
        walk.decidedBy = Self.hostile
        let hooked = try #require(walk.stages.firstIndex { !($0.chains?.isEmpty ?? true) })
        walk.stages[hooked].chains![0].table = Self.hostile
        var rule = try JSONDecoder().decode(PathReport.RuleReport.self,
                                            from: Data(#"{"chain": "forward", "position": 9, "handle": 9, "text": "", "action": ""}"#.utf8))
        rule.text = "comment \"\(Self.hostile)\""
        rule.action = Self.hostile
        walk.stages[hooked].chains![0].rules.append(rule)
        check.evidence = [
            .path(Self.hostile, walk),
            Evidence(kind: .rule, summary: Self.hostile, source: Self.hostile, text: "iptables -A FORWARD -m comment --comment \"\(Self.hostile)\""),
            Evidence(kind: .packets, summary: Self.hostile, source: "virbr0", file: "evidence/\(Self.hostile).pcap"),
        ]
        check.remediation = Remediation(Self.hostile, commands: ["nft add rule ip t c comment \"\(Self.hostile)\""])
        report.networks[0].checks[0] = check
        report.capture = CaptureSection(source: Self.hostile, requestedSeconds: nil, durationSeconds: 1, evidenceDirectory: Self.hostile,
            interfaces: [.init(interface: Self.hostile, source: Self.hostile, filter: Self.hostile, linkType: 1, frames: 1, bytes: 60,
                               counters: nil, decode: nil, end: .failed, endDetail: Self.hostile, durationSeconds: 1, truncatedLastRecord: nil)])

        return report
    }

    @Test func hostileTextIsEscapedWhereverItLands() throws {
        let report = try Self.hostileReport()
        let html = HTMLReportRenderer.render(report)
        #expect(!html.contains("<script>alert") && !html.contains("<img"))
        #expect(Self.count("<script", in: html) == 1, "the page's own script only")
        #expect(Self.count(Self.hostileEscaped, in: html) >= 20, "every field carries it escaped")
        // The pcap link points at the file, percent-encoded, and can never become a scheme or leave the attribute.
        #expect(html.contains("href=\"evidence/%3Cscript%3Ealert%28%22x%22%29%3C/script%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%26%27.pcap\""))
        #expect(HTMLEvidence.hrefPath("javascript:alert(1)") == "javascript%3Aalert%281%29")
    }

    @Test func masqueradedWalkShowsWhereAndToWhatItWasTranslated() throws {
        let walk = try #require(Self.walks(try LabReports.report("nftables-healthy")).first {
            $0.fate == .accepted && $0.sourceTranslation?.hasPrefix("masquerade") == true
        })
        let after = try #require(walk.sourceAfterNAT)
        #expect(after != walk.packet.source)
        let svg = PacketWalkSVG.render(walk)
        #expect(svg.hasPrefix("<svg class=\"packet-walk\"") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("SNAT here: source \(walk.packet.source) → \(after)"), "the chain that masqueraded says so")
        #expect(svg.contains("source NAT: \(walk.packet.source) → \(after)"), "and where it leaves, before and after")
        #expect(svg.contains("<g class=\"pw-node pw-nat\">") && svg.contains(">NAT</text>"))
        let egress = try #require(walk.egressInterface)
        #expect(svg.contains(">ACCEPTED</text>") && svg.contains("OUT  \(egress)"))
        #expect(!svg.contains("pw-drop"))
    }

    @Test func masqueradeRemovedWalkShowsThePacketLeavingUntranslated() throws {
        let walk = try #require(Self.walks(try LabReports.report("nftables-masquerade-removed")).first {
            $0.fate == .accepted && $0.packet.source.hasPrefix("192.168.122.") && $0.egressInterface == "eth-up"
        })
        let svg = PacketWalkSVG.render(walk)
        #expect(svg.contains("no source NAT: leaves with its own source address \(walk.packet.source)"))
        #expect(!svg.contains("SNAT here"))
    }

    @Test func locallyDeliveredWalkEndsAtTheHostWithoutNATTalk() throws {
        let walk = try #require(Self.walks(try LabReports.report("nftables-healthy")).first { $0.fate == .accepted && $0.egressInterface == nil })
        let svg = PacketWalkSVG.render(walk)
        #expect(svg.contains("DELIVERED TO THE HOST") && !svg.contains("source NAT"))
    }

    @Test func aFailureShowsItsFirstWalkAndFoldsTheRestAPassFoldsAll() throws {
        let report = try LabReports.report("nftables-masquerade-removed")
        let html = HTMLReportRenderer.render(report)
        let checks = report.networks[0].checks
        let failed = try #require(checks.first { $0.status == .fail && $0.evidence.filter { $0.path != nil }.count > 1 })
        let passed = try #require(checks.first { $0.status == .pass && $0.evidence.contains { $0.path != nil } })
        let articles = try Self.section(html, network: 0).components(separatedBy: "<article ")
        for (check, unfolded) in [(failed, 1), (passed, 0)] {
            let article = try #require(articles.first { $0.contains("data-check-id=\"\(HTMLPage.escape(check.id))\"") })
            let walks = check.evidence.filter { $0.path != nil }.count
            #expect(Self.count("<svg class=\"packet-walk\"", in: article) == walks, "every walk is drawn")
            #expect(Self.count("<figcaption>", in: article) == unfolded && Self.count("<details class=\"walk\">", in: article) == walks - unfolded)
        }
    }

    @Test func droppedWalkShowsTheDropAndWhatDecidedIt() throws {
        let walk = try #require(Self.walks(try LabReports.report("nftables-forward-drop-legacy")).first { $0.fate == .dropped })
        let svg = PacketWalkSVG.render(walk)
        #expect(svg.contains("<g class=\"pw-node pw-drop\">") && svg.contains(">DROPPED</text>"))
        #expect(svg.contains("the packet goes no further"))
        let decider = try #require(walk.decidedBy)
        #expect(svg.contains(HTMLPage.escape(String(decider.prefix(40)))), "decided by \(decider)")
        #expect(!svg.contains(">ACCEPTED</text>"))
        #expect(PacketWalkSVG.caption(walk).contains(": dropped"))
    }

    @Test func undecidedWalkSaysWhy() throws {
        var walk = try #require(Self.walks(try LabReports.report("nftables-healthy")).first)
        walk.fate = .unknown
        walk.unknownBecause = ["set @blocked was not read"]
        let svg = PacketWalkSVG.render(walk)
        #expect(svg.contains("FATE UNKNOWN") && svg.contains("undecided: set @blocked was not read"))
        #expect(svg.contains("<g class=\"pw-node pw-unknown\">"))
    }

    @Test func longRuleTextsWrapInsideTheBox() {
        let text = String(repeating: "ip saddr 192.168.122.0/24 ", count: 12)
        let lines = PacketWalkSVG.wrap(text, limit: 60)
        #expect(lines.count > 1 && lines.allSatisfy { $0.count <= 60 })
        #expect(lines.joined(separator: " ").split(separator: " ") == text.split(separator: " "))
        #expect(PacketWalkSVG.wrap(String(repeating: "x", count: 130), limit: 60).map(\.count) == [60, 60, 10])
    }

    @Test func statusFiltersWorkWithoutScriptsAndComeBeforeWhatTheyFilter() throws {
        let html = HTMLReportRenderer.render(try LabReports.report("nftables-masquerade-removed"))
        for status in CheckStatus.allCases {
            #expect(html.contains("<input type=\"checkbox\" class=\"filter-input no-print\" id=\"show-\(status.rawValue)\" checked"))
            #expect(html.contains("<label for=\"show-\(status.rawValue)\""))
            #expect(html.contains("#show-\(status.rawValue):not(:checked) ~ main .check[data-status=\"\(status.rawValue)\"] { display: none; }"))
        }
        #expect(html.contains("#show-pass:not(:checked) ~ main .network[data-verdict=\"pass\"] { display: none; }"))
        #expect(html.contains("#show-pass:not(:checked) ~ #show-warn:not(:checked) ~ #show-inconclusive:not(:checked) ~ #show-fail:not(:checked) ~ main .network[data-verdict=\"fail\"]"))
        let body = try #require(html.range(of: "<body>"))
        let inputs = try #require(html.range(of: "<input", range: body.upperBound..<html.endIndex))
        let main = try #require(html.range(of: "<main>"))
        #expect(inputs.lowerBound < main.lowerBound && !html[body.upperBound..<inputs.lowerBound].contains("<"),
                "the checkboxes are the body's first children, siblings of main")
        #expect(html.contains("@media print") && html.contains("nav.filters, .filter-input, button.copy { display: none !important; }"))
    }

    @Test func hostSummaryCoverageAndInterruption() throws {
        var report = try LabReports.report("nftables-healthy")
        report.host.coverage.listeners = .notCollected
        report.interrupted = true
        let html = HTMLReportRenderer.render(report)
        for fact in [report.host.hostname, report.host.source, try #require(report.host.kernelRelease), "nftables",
                     ModelJSON.format(report.host.collectedAt)] {
            #expect(html.contains("<td>\(HTMLPage.escape(fact))</td>"), "\(fact)")
        }
        #expect(html.contains("<li class=\"coverage-not-collected\">listeners: not-collected</li>"))
        #expect(html.contains("<p class=\"banner interrupted\" role=\"alert\"><strong>Interrupted:</strong>"))
        #expect(!HTMLReportRenderer.render(try LabReports.report("nftables-healthy")).contains("banner interrupted"))
        let checks = report.summary.checks
        #expect(html.contains("<tr><th scope=\"row\">checks</th><td class=\"count\">\(checks[.fail]!)</td><td class=\"count\">\(checks[.inconclusive]!)</td>"
                              + "<td class=\"count\">\(checks[.warn]!)</td><td class=\"count\">\(checks[.pass]!)</td></tr>"))
    }

    @Test func fixesAreCopyableBlocksAndFailedChecksOpen() throws {
        let report = try LabReports.report("nftables-masquerade-removed")
        let html = HTMLReportRenderer.render(report)
        let failed = try #require(report.networks.flatMap(\.checks).first { $0.status == .fail && $0.remediation != nil })
        for command in try #require(failed.remediation).commands {
            #expect(html.contains("<div class=\"command\"><pre><code>\(HTMLPage.escape(command))</code></pre>"
                                  + "<button type=\"button\" class=\"copy no-print\" hidden>Copy</button></div>"))
        }
        #expect(html.contains("data-status=\"fail\" data-check-id=\"\(HTMLPage.escape(failed.id))\">\n<details open>"))
        #expect(html.contains("data-status=\"pass\" data-check-id=") && html.contains("<details>\n<summary><span class=\"status status-pass\">"),
                "passes start folded")
    }

    @Test func trafficFiguresAndEvidencePcapLinks() throws {
        var report = try LabReports.report("nftables-masquerade-removed")
        report.capture = CaptureSection(source: "live", requestedSeconds: 5, durationSeconds: 5.2, evidenceDirectory: "evidence",
            interfaces: [
                .init(interface: "virbr0", source: "live", filter: "ip or ip6", linkType: 1, frames: 120, bytes: 9000,
                      counters: .init(received: 123, droppedByKernel: 3, droppedByInterface: 0),
                      decode: .init(decoded: 118, truncated: 1, malformed: 1, unsupported: 0),
                      end: .completed, endDetail: nil, durationSeconds: 5.2, truncatedLastRecord: nil),
                .init(interface: "vnet3", source: "live", filter: nil, linkType: 1, frames: 7, bytes: 700,
                      counters: .init(received: 7, droppedByKernel: 0, droppedByInterface: 0),
                      decode: nil, end: .interfaceVanished, endDetail: nil, durationSeconds: 4.0, truncatedLastRecord: nil),
            ])
        report.networks[0].checks[0].evidence.append(Evidence(kind: .packets, summary: "the guest's packets leave untranslated",
                                                               source: "virbr0, eth-up", file: "evidence/default nat.pcap"))
        let html = HTMLReportRenderer.render(report)
        #expect(html.contains("<section class=\"traffic\" id=\"traffic\">"))
        #expect(html.contains("Source: live; duration 5.2 s (asked for 5.0 s); evidence pcaps in <a href=\"evidence\">evidence</a>."))
        #expect(html.contains("<td><code>virbr0</code></td><td>live<details class=\"filter\"><summary class=\"muted\">capture filter</summary>"
                              + "<code>ip or ip6</code></details></td>"
                              + "<td class=\"num\">120</td><td class=\"num\">9000</td><td class=\"num alarm\">3</td><td class=\"num\">0</td>"
                              + "<td class=\"alarm\">118 / 1 / 1 / 0</td><td class=\"\">completed</td>"))
        #expect(html.contains("<td class=\"muted\">not decoded</td><td class=\"alarm\">interface-vanished</td>"))
        #expect(html.contains("<a class=\"pcap\" href=\"evidence/default%20nat.pcap\">evidence/default nat.pcap</a>"))
    }
}
