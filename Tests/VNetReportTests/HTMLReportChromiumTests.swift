import Foundation
import Testing
import VNetJudge
import VNetModel
@testable import VNetReport
import VNetTestSupport

/// The HTML report of the lab with its NAT broken (masquerade removed), in real headless Chromium: the
/// screenshots are left under .build/test-artifacts/html-report/ (their paths printed); the DOM after the
/// page's script ran shows the failed network, the failed claim, its packet walk and the fix; the status
/// filters hide what they should in the browser; printing gives a PDF.
@Suite(.enabled(if: HeadlessChromium.available, "needs chromium (scripts/install-deps.sh)"), .serialized)
struct HTMLReportChromiumTests {
    static let fixture = "nftables-masquerade-removed"

    @Test func brokenNATReportShowsTheFailureItsPathAndTheFixInChromium() throws {
        let report = try LabReports.report(Self.fixture)
        let dir = try HeadlessChromium.artifactsDirectory("html-report")
        let page = dir.appendingPathComponent("\(Self.fixture).html")
        try Data(HTMLReportRenderer.render(report).utf8).write(to: page)

        let png = dir.appendingPathComponent("\(Self.fixture).png")
        try HeadlessChromium.screenshot(page, to: png)
        print("screenshot of the \(Self.fixture) report: \(png.path)")
        try ReportPage.expectScreenshot(png, width: 1280, height: 2400)

        let network = try #require(report.networks.firstIndex { $0.name == "default" })
        let claim = try #require(report.networks[network].checks.first { $0.kind == .claim && $0.status == .fail })
        try ReportPage.expectShowsFailure(dom: try HeadlessChromium.dumpDOM(page), network: "default", claim: claim)

        let pdf = dir.appendingPathComponent("\(Self.fixture).pdf")
        try HeadlessChromium.printToPDF(page, to: pdf)
        print("printed: \(pdf.path)")
        try ReportPage.expectPDF(pdf)
    }

    /// The filters are CSS only: with "pass" unchecked the browser shows no passed check and no network
    /// that only passed, and still every failure.
    @Test func uncheckingPassHidesPassesInChromium() throws {
        let report = try LabReports.report(Self.fixture)
        let html = HTMLReportRenderer.render(report)
        let unchecked = html.replacingOccurrences(of: "id=\"show-pass\" checked", with: "id=\"show-pass\"")
        #expect(unchecked != html)
        let dir = try HeadlessChromium.artifactsDirectory("html-report")
        let page = dir.appendingPathComponent("\(Self.fixture)-problems-only.html")
        // A probe added to this copy only: counts what the browser displays.
        let probe = """
            <script>
            const shown = s => Array.from(document.querySelectorAll(s)).filter(e => getComputedStyle(e).display !== "none").length;
            document.body.dataset.shownPass = shown('.check[data-status="pass"]');
            document.body.dataset.shownProblems = shown('.check:not([data-status="pass"])');
            document.body.dataset.shownNetworks = shown("section.network");
            </script>
            </body>
            """
        try Data(unchecked.replacingOccurrences(of: "</body>", with: probe).utf8).write(to: page)
        let dom = try HeadlessChromium.dumpDOM(page)
        let problems = (report.networks.flatMap(\.checks) + report.hostFindings).filter { $0.status != .pass }.count
        let networks = report.networks.filter { $0.verdict != .pass }.count + (report.hostFindings.contains { $0.status != .pass } ? 1 : 0)
        #expect(dom.contains("data-shown-pass=\"0\""))
        #expect(dom.contains("data-shown-problems=\"\(problems)\""), "\(problems) checks that did not pass")
        #expect(dom.contains("data-shown-networks=\"\(networks)\""))

        let png = dir.appendingPathComponent("\(Self.fixture)-problems-only.png")
        try HeadlessChromium.screenshot(page, to: png, height: 1600)
        print("screenshot, passes filtered out: \(png.path)")
        try ReportPage.expectScreenshot(png, width: 1280, height: 1600)
    }
}

/// What a rendered report page must show, shared by the fixture test and the lab test.
enum ReportPage {
    /// A real PNG of the window size with something drawn on it (a blank page compresses to a few KB).
    static func expectScreenshot(_ png: URL, width: Int, height: Int) throws {
        let data = try Data(contentsOf: png)
        #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "PNG signature")
        let size = { (offset: Int) in data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(data.count > 33 && size(16) == width && size(20) == height, "IHDR \(size(16))x\(size(20))")
        #expect(data.count > 60_000, "\(png.path): \(data.count) bytes")
    }

    /// The DOM after the page's script ran: `network` shown failed, `claim` failed inside it with its
    /// packet walk, and its fix's commands in copyable blocks whose buttons the script revealed.
    static func expectShowsFailure(dom: String, network: String, claim: Finding) throws {
        let sections = dom.components(separatedBy: "<section class=\"network\"").dropFirst()
        let section = try #require(sections.first { $0.contains("<span class=\"network-name\">\(HTMLPage.escape(network))</span>") },
                                   "a section for network \(network)")
        #expect(section.contains("data-verdict=\"fail\""))
        #expect(section.contains("\(HTMLPage.escape(network))</span> <span class=\"status status-fail\">fail</span></h2>"))
        let articles = section.components(separatedBy: "<article ").dropFirst()
        let article = try #require(articles.first { $0.contains("data-check-id=\"\(HTMLPage.escape(claim.id))\"") && $0.contains("data-status=\"fail\"") },
                                   "claim \(claim.id) failed")
        #expect(article.contains("<details open=\"\">") || article.contains("<details open>"), "a failure opens unfolded")
        #expect(article.contains(serialized(claim.title)) && article.contains(serialized(claim.message)))
        #expect(article.contains("<svg class=\"packet-walk\""), "the packet walk is drawn")
        #expect(article.contains("no source NAT: leaves with its own source address 192.168.122."), "the walk shows no masquerade")
        let fix = try #require(claim.remediation)
        #expect(!fix.commands.isEmpty)
        for command in fix.commands {
            #expect(article.contains("<pre><code>\(serialized(command))</code></pre><button type=\"button\" class=\"copy no-print\">Copy</button>"),
                    "\(command) with its copy button shown")
        }
    }

    /// Text as the browser serialises it in element content (only &, < and > escaped).
    static func serialized(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A real PDF of more than one page.
    static func expectPDF(_ pdf: URL) throws {
        let data = try Data(contentsOf: pdf)
        #expect(data.starts(with: Array("%PDF-".utf8)))
        let text = String(decoding: data, as: UTF8.self)
        let pages = text.components(separatedBy: "/Type /Page").count - 1 - (text.components(separatedBy: "/Type /Pages").count - 1)
        #expect(data.count > 50_000 && pages > 1, "\(pdf.path): \(data.count) bytes, \(pages) pages")
    }
}
