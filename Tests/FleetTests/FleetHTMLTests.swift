import Foundation
import Testing
import VNetJudge
import VNetModel
import VNetReport
import VNetTestSupport

/// The fleet page: self-contained, escaped, and its matrix and "what fails where" say what the reports say.
@Suite struct FleetHTMLTests {
    static func fleet() throws -> FleetReport {
        var inputs = try FleetMergeTests.threeHosts()
        inputs[0].htmlFile = "reports/hv-a.html"
        return FleetReport.merge(inputs, version: "0.1.0")
    }

    /// The matrix cells' opening tags, from the verdict class on (`cell-fail" data-host=...`).
    static func cells(_ html: String) -> [String] {
        html.components(separatedBy: "<td class=\"cell ").dropFirst().map { String($0.prefix { $0 != ">" }) }
    }

    @Test func matrixHasACellPerHostAndNetworkColouredByVerdict() throws {
        let fleet = try Self.fleet()
        let html = FleetHTMLRenderer.render(fleet)
        let names = Set(fleet.hosts.flatMap { $0.networks.map(\.name) })
        #expect(names.count >= 6, "the lab's networks: \(names)")
        let cells = Self.cells(html)
        #expect(cells.count == fleet.hosts.count * (names.count + 1), "hosts x (networks + host-level)")
        for host in fleet.hosts {
            for network in host.networks {
                let expected = "cell-\(network.verdict.rawValue)\" data-host=\"\(host.hostname)\" data-network=\"\(network.name)\" data-verdict=\"\(network.verdict.rawValue)\""
                #expect(cells.contains { $0.hasPrefix(expected) }, "\(host.hostname)/\(network.name)")
            }
        }
        #expect(cells.contains { $0.hasPrefix("cell-fail\" data-host=\"hv-b\" data-network=\"default\"") })
        #expect(cells.contains { $0.hasPrefix("cell-fail\" data-host=\"hv-c\" data-network=\"isolated\"") })
        #expect(html.contains("<h1>Fleet audit <span class=\"status status-\(fleet.verdict.rawValue)\">"))
    }

    @Test func whatFailsWhereListsEveryFailingCheckAndItsSites() throws {
        let fleet = try Self.fleet()
        let html = FleetHTMLRenderer.render(fleet)
        let rows = html.components(separatedBy: "<tr data-check=\"").dropFirst()
        #expect(rows.count == fleet.failingChecks.count)
        for (row, check) in zip(rows, fleet.failingChecks) {
            #expect(row.hasPrefix(check.id + "\""))
            let sites = row.components(separatedBy: "<li>").count - 1
            #expect(sites == check.sites.count, "\(check.id)")
        }
    }

    @Test func linksToEachHostsOwnReport() throws {
        let html = FleetHTMLRenderer.render(try Self.fleet())
        #expect(html.contains("<a href=\"./reports/hv-a.html\">hv-a</a>"), "the HTML report when known")
        #expect(html.contains("<a href=\"./hv-b.json\">hv-b</a>"), "else the JSON report")
        #expect(html.contains("<a href=\"./hv-a.json\">JSON report</a>"))
    }

    @Test func textFromReportsIsEscapedAndFileNamesCannotBecomeScripts() throws {
        var hostile = try FleetFixtures.report("nftables-healthy", hostname: "<script>alert(1)</script>")
        hostile.networks[0].name = "net\"><img src=x onerror=alert(2)>"
        hostile.networks[0].checks[0].status = .fail
        hostile.networks[0].checks[0].message = "drop & <b>bold</b>"
        hostile.networks[0].verdict = .fail
        let fleet = FleetReport.merge([FleetInput(report: hostile, file: "javascript:alert(3)")], version: "1")
        let html = FleetHTMLRenderer.render(fleet)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>bold</b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("drop &amp; &lt;b&gt;bold&lt;/b&gt;"))
        #expect(html.contains("data-network=\"net&quot;&gt;&lt;img src=x onerror=alert(2)&gt;\""))
        #expect(!html.contains("href=\"javascript:"))
        #expect(html.contains("href=\"./javascript:alert(3)\""))
    }

    @Test func thePageFetchesNothing() throws {
        let html = FleetHTMLRenderer.render(try Self.fleet())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        for external in ["http://", "https://", "src=", "url(", "@import", "<link", "<script"] {
            #expect(!html.contains(external), "\(external)")
        }
        let hrefs = html.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(!hrefs.isEmpty && hrefs.allSatisfy { $0.hasPrefix("./") || $0.hasPrefix("/") })
    }

    @Test func anAllPassFleetSaysSo() throws {
        let healthy = try FleetFixtures.report("nftables-healthy", hostname: "hv-a")
        var clean = healthy
        for index in clean.networks.indices {
            clean.networks[index].checks = clean.networks[index].checks.filter { $0.status == .pass }
            clean.networks[index].verdict = .pass
        }
        clean.hostFindings = []
        clean.verdict = .pass
        let html = FleetHTMLRenderer.render(FleetReport.merge([FleetInput(report: clean)], version: "1"))
        #expect(html.contains("Every check passed on every host."))
        #expect(html.contains("<span class=\"status status-pass\">pass</span></h1>"))
        #expect(html.contains(">hv-a</strong>") && !html.contains("<a href"), "no link without a report file")
    }
}

/// The page as a real browser parses it (headless Chromium's serialized DOM): the matrix and the failing
/// checks are there as elements, and a hostile report's text stays text, even where string checks could miss
/// a way out of an attribute.
@Suite(.enabled(if: HeadlessChromium.available, "needs chromium"))
struct FleetHTMLBrowserTests {
    static func dom(of html: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-fleet-\(UUID().uuidString).html")
        try html.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try HeadlessChromium.dumpDOM(file)
    }

    @Test func chromiumSeesTheMatrixAndOnlyOurElements() throws {
        let fleet = try FleetHTMLTests.fleet()
        var hostile = try FleetFixtures.report("nftables-healthy", hostname: "<script>alert(1)</script>")
        hostile.networks[0].name = "net\"><img src=x onerror=alert(2)>"
        hostile.networks[0].checks[0].status = .fail
        hostile.networks[0].checks[0].message = "</td></tr></table><img src=x>"
        hostile.networks[0].verdict = .fail
        let inputs = try FleetMergeTests.threeHosts() + [FleetInput(report: hostile, file: "x\"><img src=y>.json")]
        let withHostile = FleetReport.merge(inputs, version: "1")

        for (report, hosts) in [(fleet, 3), (withHostile, 4)] {
            let dom = try Self.dom(of: FleetHTMLRenderer.render(report))
            let networks = Set(report.hosts.flatMap { $0.networks.map(\.name) }).count
            #expect(dom.components(separatedBy: "<td class=\"cell ").count - 1 == hosts * (networks + 1))
            #expect(dom.components(separatedBy: "<tr data-check=").count - 1 == report.failingChecks.count)
            #expect(dom.contains("data-host=\"hv-b\" data-network=\"default\" data-verdict=\"fail\""))
            #expect(!dom.contains("<img") && !dom.contains("<script"), "no element from a report's text")
        }
    }
}
