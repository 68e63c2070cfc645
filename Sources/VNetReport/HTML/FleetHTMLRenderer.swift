import Foundation
import VNetJudge
import VNetModel

/// The fleet report as one self-contained page (`merge --format html`): the fleet verdict and totals, a
/// host x network matrix coloured by verdict, what fails where, and per host a link to its own report.
/// Every text from the host reports is escaped: a report from another machine is not trusted markup.
public enum FleetHTMLRenderer {
    public static func render(_ fleet: FleetReport) -> String {
        let body = [header(fleet), supersededNotice(fleet), matrix(fleet), failingChecks(fleet), hostList(fleet)]
            .filter { !$0.isEmpty }.joined(separator: "\n")
        return HTMLPage.document(title: "vnetaudit fleet: \(fleet.verdict.rawValue) (\(hostCount(fleet)))",
                                 extraStyle: style, body: body)
    }

    /// Cell colours of the matrix, lighter than the status badges so the badge text stays readable.
    static let style = """
        .matrix td.cell { text-align: center; white-space: nowrap; }
        .cell-pass { background: #dafbe1; } .cell-warn { background: #fff8c5; }
        .cell-inconclusive { background: #fbefff; } .cell-fail { background: #ffebe9; }
        .cell-absent { background: #f6f8fa; color: var(--muted); }
        .matrix th.host, .where td.sites { min-width: 14rem; }
        .where ul { margin: 0; padding-left: 1.1rem; }
        .totals span { margin-right: 1.2rem; }
        """

    private static func header(_ fleet: FleetReport) -> String {
        """
        <header>
        <h1>Fleet audit <span class="status status-\(fleet.verdict.rawValue)">\(fleet.verdict.rawValue)</span></h1>
        <p class="muted">\(hostCount(fleet)) merged at \(ModelJSON.format(fleet.generatedAt)) by \(HTMLPage.escape(fleet.tool.name)) \(HTMLPage.escape(fleet.tool.version))</p>
        <p class="totals"><span>hosts: \(counts(fleet.totals.hosts))</span><span>networks: \(counts(fleet.totals.networks))</span><span>checks: \(counts(fleet.totals.checks))</span></p>
        </header>
        """
    }

    private static func supersededNotice(_ fleet: FleetReport) -> String {
        guard !fleet.superseded.isEmpty else { return "" }
        let items = fleet.superseded.map { old in
            "<li>\(HTMLPage.escape(old.hostname)): \(HTMLPage.escape(old.reportFile ?? "a report")) of \(ModelJSON.format(old.generatedAt)) "
                + "left out for the newer \(HTMLPage.escape(old.keptReportFile ?? "report")) of \(ModelJSON.format(old.keptGeneratedAt))</li>"
        }
        return "<section class=\"superseded\"><h2>Reports left out</h2><ul>\n\(items.joined(separator: "\n"))\n</ul></section>"
    }

    /// Rows are hosts, columns every network name seen in the fleet plus the host-level findings.
    private static func matrix(_ fleet: FleetReport) -> String {
        let names = Set(fleet.hosts.flatMap { $0.networks.map(\.name) }).sorted()
        let head = "<tr><th>host</th><th>verdict</th>" + names.map { "<th>\(HTMLPage.escape($0))</th>" }.joined()
            + "<th>host-level</th></tr>"
        let rows = fleet.hosts.map { host in
            let cells = names.map { name -> String in
                guard let network = host.networks.first(where: { $0.name == name }) else {
                    return "<td class=\"cell cell-absent\" data-host=\"\(HTMLPage.escape(host.hostname))\" data-network=\"\(HTMLPage.escape(name))\">-</td>"
                }
                let tip = network.checks.map { "\($0.status.rawValue): \($0.id)\($0.family.map { " \($0.rawValue)" } ?? "")" }
                    .joined(separator: "\n")
                return "<td class=\"cell cell-\(network.verdict.rawValue)\" data-host=\"\(HTMLPage.escape(host.hostname))\" "
                    + "data-network=\"\(HTMLPage.escape(name))\" data-verdict=\"\(network.verdict.rawValue)\" title=\"\(HTMLPage.escape(tip))\">"
                    + "\(badge(network.verdict)) <span class=\"muted\">\(HTMLPage.escape(network.mode.rawValue))\(network.active ? "" : ", inactive")</span></td>"
            }
            let hostLevel = CheckStatus.worst(host.hostChecks.map(\.status))
            return "<tr><th class=\"host\">\(hostLink(host))</th><td>\(badge(host.verdict))</td>" + cells.joined()
                + "<td class=\"cell cell-\(hostLevel.rawValue)\" data-host=\"\(HTMLPage.escape(host.hostname))\" data-network=\"\">\(badge(hostLevel))</td></tr>"
        }
        return """
            <section><h2>Hosts and networks</h2>
            <table class="matrix">
            <thead>\(head)</thead>
            <tbody>
            \(rows.joined(separator: "\n"))
            </tbody>
            </table></section>
            """
    }

    private static func failingChecks(_ fleet: FleetReport) -> String {
        guard !fleet.failingChecks.isEmpty else {
            return "<section><h2>What fails where</h2><p>Every check passed on every host.</p></section>"
        }
        let rows = fleet.failingChecks.map { check in
            let sites = check.sites.map { site in
                "<li>\(badge(site.status)) <strong>\(HTMLPage.escape(site.host))</strong> / \(HTMLPage.escape(site.network ?? "host"))"
                    + ": \(HTMLPage.escape(site.message))</li>"
            }
            return "<tr data-check=\"\(HTMLPage.escape(check.id))\"><td><code>\(HTMLPage.escape(check.id))</code>"
                + "\(check.family.map { " <span class=\"muted\">\($0.rawValue)</span>" } ?? "")<br>\(HTMLPage.escape(check.title))</td>"
                + "<td>\(badge(check.worst))</td><td class=\"sites\"><ul>\(sites.joined())</ul></td></tr>"
        }
        return """
            <section><h2>What fails where</h2>
            <table class="where">
            <thead><tr><th>check</th><th>worst</th><th>where (host / network)</th></tr></thead>
            <tbody>
            \(rows.joined(separator: "\n"))
            </tbody>
            </table></section>
            """
    }

    private static func hostList(_ fleet: FleetReport) -> String {
        let items = fleet.hosts.map { host in
            var facts = [host.source, "report of \(ModelJSON.format(host.generatedAt))", "vnetaudit \(host.toolVersion)"]
            if let backend = host.libvirtFirewallBackend { facts.append("libvirt firewall \(backend.rawValue)") }
            if let kernel = host.kernelRelease { facts.append("kernel \(kernel)") }
            let links = [host.reportFile.map { link($0, "JSON report") }, host.htmlReportFile.map { link($0, "HTML report") }]
                .compactMap { $0 }
            return "<li id=\"host-\(HTMLPage.escape(host.hostname))\">\(badge(host.verdict)) <strong>\(HTMLPage.escape(host.hostname))</strong>"
                + (host.interrupted ? " <strong>interrupted: judged only partly</strong>" : "")
                + " <span class=\"muted\">\(HTMLPage.escape(facts.joined(separator: " · ")))</span>"
                + "<br>networks: \(counts(host.networkCounts)); checks: \(counts(host.checkCounts))"
                + (links.isEmpty ? "" : "<br>" + links.joined(separator: " "))
                + "</li>"
        }
        return "<section><h2>Hosts</h2><ul class=\"hosts\">\n\(items.joined(separator: "\n"))\n</ul></section>"
    }

    /// The hostname, linked to the host's own report: its HTML report when there is one, else its JSON.
    private static func hostLink(_ host: FleetHost) -> String {
        guard let file = host.htmlReportFile ?? host.reportFile else { return HTMLPage.escape(host.hostname) }
        return link(file, host.hostname)
    }

    /// A link to a local report file. Relative paths get `./` so no file name can read as a URL scheme
    /// (`javascript:`); the path is percent-encoded, then escaped for the attribute.
    static func link(_ file: String, _ text: String) -> String {
        let path = ["/", "./", "../"].contains(where: file.hasPrefix) ? file : "./" + file
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        return "<a href=\"\(HTMLPage.escape(encoded))\">\(HTMLPage.escape(text))</a>"
    }

    private static func hostCount(_ fleet: FleetReport) -> String {
        "\(fleet.hosts.count) host\(fleet.hosts.count == 1 ? "" : "s")"
    }

    private static func badge(_ status: CheckStatus) -> String {
        "<span class=\"status status-\(status.rawValue)\">\(status.rawValue)</span>"
    }

    /// `1 fail, 2 pass` (worst first, zeros left out); `none` when empty.
    private static func counts(_ counts: StatusCounts) -> String {
        let parts = CheckStatus.allCases.reversed().filter { counts[$0] > 0 }.map { "\(counts[$0]) \($0.rawValue)" }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
