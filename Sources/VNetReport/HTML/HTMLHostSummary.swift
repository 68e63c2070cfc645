import VNetJudge
import VNetModel

/// The top of the report: which host, from what, how much of it was read, the overall verdict, the
/// counts by status and one line per network linking to its section.
enum HTMLHostSummary {
    static func render(_ report: AuditReport) -> String {
        let host = report.host
        var out = "<header class=\"summary\">\n"
        out += "<h1>vnetaudit check of <span class=\"hostname\">\(HTMLPage.escape(host.hostname))</span></h1>\n"
        out += "<p class=\"verdict verdict-\(report.verdict.rawValue)\">Overall verdict: \(HTMLPage.badge(report.verdict))"
            + " <span class=\"muted\">(exit code \(report.exitCode))</span></p>\n"
        if report.interrupted {
            out += "<p class=\"banner interrupted\" role=\"alert\"><strong>Interrupted:</strong> the run ended early (Ctrl-C); "
                + "what follows is what was judged until then.</p>\n"
        }
        let facts: [(String, String)] = [
            ("host", host.hostname),
            ("source", host.source),
            ("kernel", host.kernelRelease ?? "unknown"),
            ("state collected at", ModelJSON.format(host.collectedAt)),
            ("libvirt firewall backend", host.libvirtFirewallBackend?.rawValue ?? "unknown"),
        ]
        out += "<table class=\"host-facts\"><tbody>\n"
        out += facts.map { "<tr><th scope=\"row\">\(HTMLPage.escape($0.0))</th><td>\(HTMLPage.escape($0.1))</td></tr>\n" }.joined()
        out += "<tr><th scope=\"row\">coverage</th><td>\(coverage(host.coverage))</td></tr>\n"
        out += "</tbody></table>\n"
        out += counts(report)
        if !report.networks.isEmpty { out += overview(report.networks) }
        return out + "</header>\n"
    }

    /// Each part of the host state and where it came from; parts not read are marked, since checks that
    /// needed them are inconclusive.
    private static func coverage(_ coverage: Coverage) -> String {
        let parts: [(String, Coverage.Origin)] = [
            ("links", coverage.links), ("routes", coverage.routes), ("sysctls", coverage.sysctls),
            ("nftables", coverage.nftables), ("iptables (IPv4)", coverage.legacyIPv4), ("iptables (IPv6)", coverage.legacyIPv6),
            ("libvirt", coverage.libvirt), ("listeners", coverage.listeners),
        ]
        return "<ul class=\"coverage\">" + parts.map { name, origin in
            "<li class=\"coverage-\(origin.rawValue)\">\(HTMLPage.escape(name)): \(origin.rawValue)</li>"
        }.joined() + "</ul>"
    }

    private static func counts(_ report: AuditReport) -> String {
        let statuses = CheckStatus.allCases.reversed()
        var out = "<table class=\"counts\"><thead><tr><th></th>"
        out += statuses.map { "<th scope=\"col\">\(HTMLPage.badge($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for (label, counts) in [("networks", report.summary.networks), ("checks", report.summary.checks)] {
            out += "<tr><th scope=\"row\">\(label)</th>" + statuses.map { "<td class=\"count\">\(counts[$0] ?? 0)</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    private static func overview(_ networks: [NetworkReport]) -> String {
        var out = "<table class=\"overview\"><thead><tr><th>network</th><th>mode</th><th>bridge</th><th>verdict</th>"
            + "<th>not passed</th></tr></thead><tbody>\n"
        for (index, network) in networks.enumerated() {
            let open = network.checks.filter { $0.status != .pass }
            let summary = open.isEmpty ? "none" : open.map { check in
                HTMLPage.escape(check.title) + (check.family.map { " <span class=\"tag\">\($0.rawValue)</span>" } ?? "")
            }.joined(separator: "; ")
            out += "<tr><td><a href=\"#\(HTMLReportRenderer.networkAnchor(index))\">\(HTMLPage.escape(network.name))</a></td>"
                + "<td>\(network.mode.rawValue)</td><td>\(HTMLPage.escape(network.bridge ?? "none"))</td>"
                + "<td>\(HTMLPage.badge(network.verdict))</td><td>\(summary)</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }
}
