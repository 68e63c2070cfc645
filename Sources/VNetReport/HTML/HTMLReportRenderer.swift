import Foundation
import VNetJudge
import VNetModel

/// Renders a check report as one self-contained HTML page (`check --format html`) for an auditor and an
/// admin alike: the host summary first, then each network with its checks, their evidence (packet walks
/// drawn as SVG), the fixes as copyable commands, the traffic judged and the host-level findings.
/// Nothing is fetched from anywhere; every text from the report is escaped.
public enum HTMLReportRenderer {
    public static func render(_ report: AuditReport) -> String {
        var body = StatusFilter.inputs
        body += HTMLHostSummary.render(report)
        body += StatusFilter.bar(report)
        body += "<main>\n"
        if report.networks.isEmpty {
            body += "<p class=\"muted\">No libvirt network to judge.</p>\n"
        }
        for (index, network) in report.networks.enumerated() {
            body += networkSection(network, index: index)
        }
        if !report.hostFindings.isEmpty {
            body += hostSection(report.hostFindings)
        }
        if let capture = report.capture {
            body += HTMLTrafficSection.render(capture)
        }
        body += "</main>\n"
        body += "<footer class=\"muted\">\(HTMLPage.escape(report.tool.name)) \(HTMLPage.escape(report.tool.version)), "
            + "report generated \(HTMLPage.escape(ModelJSON.format(report.generatedAt)))</footer>\n"
        body += HTMLReportStyle.script
        let title = "vnetaudit check of \(report.host.hostname): \(report.verdict.rawValue)"
        return HTMLPage.document(title: title, extraStyle: HTMLReportStyle.css + PacketWalkSVG.css + "\n" + StatusFilter.css, body: body)
    }

    /// The anchor of network number `index` (names may hold anything, so they never make ids).
    static func networkAnchor(_ index: Int) -> String { "network-\(index)" }

    private static func networkSection(_ network: NetworkReport, index: Int) -> String {
        var out = "<section class=\"network\" id=\"\(networkAnchor(index))\" data-verdict=\"\(network.verdict.rawValue)\">\n"
        out += "<h2>Network <span class=\"network-name\">\(HTMLPage.escape(network.name))</span> \(HTMLPage.badge(network.verdict))</h2>\n"
        var facts: [(String, String)] = [("mode", network.mode.rawValue)]
        facts.append(("bridge", network.bridge ?? "none"))
        facts.append(("subnets", network.subnets.isEmpty ? "none" : network.subnets.joined(separator: ", ")))
        if let dev = network.forwardDevice { facts.append(("forward dev", dev)) }
        facts.append(("state", network.active ? "active" : "inactive"))
        out += "<dl class=\"facts\">" + facts.map { "<div><dt>\($0.0)</dt><dd>\(HTMLPage.escape($0.1))</dd></div>" }.joined() + "</dl>\n"
        let claims = network.checks.filter { $0.kind == .claim }
        let rules = network.checks.filter { $0.kind == .rule }
        if !claims.isEmpty {
            out += "<h3>Mode claims</h3>\n" + claims.enumerated().map { HTMLFinding.render($1, anchor: "n\(index)-c\($0)") }.joined()
        }
        if !rules.isEmpty {
            out += "<h3>Catalogue rules</h3>\n" + rules.enumerated().map { HTMLFinding.render($1, anchor: "n\(index)-r\($0)") }.joined()
        }
        if network.checks.isEmpty { out += "<p class=\"muted\">No checks apply to this network.</p>\n" }
        return out + "</section>\n"
    }

    private static func hostSection(_ findings: [Finding]) -> String {
        let verdict = CheckStatus.worst(findings.map(\.status))
        var out = "<section class=\"network host-findings\" id=\"host-findings\" data-verdict=\"\(verdict.rawValue)\">\n"
        out += "<h2>Host-wide findings \(HTMLPage.badge(verdict))</h2>\n"
        out += "<p class=\"muted\">About no single network: the rule set as a whole, host sysctls, what could not be read.</p>\n"
        out += findings.enumerated().map { HTMLFinding.render($1, anchor: "h-\($0)") }.joined()
        return out + "</section>\n"
    }
}
