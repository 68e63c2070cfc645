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
        let page = try Self.writePage(Self.fixture, HTMLReportRenderer.render(report))
        try Self.expectScreenshotDrawn(page, "of the \(Self.fixture) report")

        let network = try #require(report.networks.firstIndex { $0.name == "default" })
        let claim = try #require(report.networks[network].checks.first { $0.kind == .claim && $0.status == .fail })
        let dom = try HeadlessChromium.dumpDOM(page)
        #expect(RenderedReportPage.failureProblems(dom: dom, network: "default", claimID: claim.id, title: claim.title,
                                                   message: claim.message, commands: claim.remediation?.commands ?? []) == [])
        #expect(dom.contains("no source NAT: leaves with its own source address 192.168.122."), "the walk shows the missing masquerade")

        let pdf = page.deletingPathExtension().appendingPathExtension("pdf")
        try HeadlessChromium.printToPDF(page, to: pdf)
        print("printed: \(pdf.path)")
        #expect(RenderedReportPage.pdfProblems(pdf) == [])
    }

    /// A legacy FORWARD DROP beside libvirt's rules: the failed claim's walk ends dropped, by that policy.
    @Test func droppedTrafficReportShowsTheDropInChromium() throws {
        let name = "nftables-forward-drop-legacy"
        let report = try LabReports.report(name)
        let page = try Self.writePage(name, HTMLReportRenderer.render(report))
        try Self.expectScreenshotDrawn(page, "of the \(name) report")

        let network = try #require(report.networks.first { $0.name == "default" })
        let claim = try #require(network.checks.first { check in
            check.kind == .claim && check.status == .fail && check.evidence.first { $0.path != nil }?.path?.fate == .dropped
        })
        let dom = try HeadlessChromium.dumpDOM(page)
        #expect(RenderedReportPage.failureProblems(dom: dom, network: "default", claimID: claim.id, title: claim.title,
                                                   message: claim.message, commands: claim.remediation?.commands ?? []) == [])
        #expect(dom.contains(">DROPPED</text>") && dom.contains("the packet goes no further"))
    }

    /// Hostile text (rule comments, names) parsed by a real browser stays text: no element of its making.
    @Test func hostileTextStaysTextInChromium() throws {
        let page = try Self.writePage("hostile", HTMLReportRenderer.render(try HTMLReportRendererTests.hostileReport()))
        let dom = try HeadlessChromium.dumpDOM(page)
        #expect(HTMLReportRendererTests.count("<script", in: dom) == 1 && !dom.contains("<img"))
        #expect(dom.contains(RenderedReportPage.serialized(HTMLReportRendererTests.hostile)))
    }

    /// The filters are CSS only: with "pass" unchecked the browser shows no passed check and no network
    /// that only passed, and still every failure.
    @Test func uncheckingPassHidesPassesInChromium() throws {
        let report = try LabReports.report(Self.fixture)
        let html = HTMLReportRenderer.render(report)
        let unchecked = html.replacingOccurrences(of: "id=\"show-pass\" checked", with: "id=\"show-pass\"")
        #expect(unchecked != html)
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
        let page = try Self.writePage("\(Self.fixture)-problems-only", unchecked.replacingOccurrences(of: "</body>", with: probe))
        let dom = try HeadlessChromium.dumpDOM(page)
        let problems = (report.networks.flatMap(\.checks) + report.hostFindings).filter { $0.status != .pass }.count
        let networks = report.networks.filter { $0.verdict != .pass }.count + (report.hostFindings.contains { $0.status != .pass } ? 1 : 0)
        #expect(dom.contains("data-shown-pass=\"0\""))
        #expect(dom.contains("data-shown-problems=\"\(problems)\""), "\(problems) checks that did not pass")
        #expect(dom.contains("data-shown-networks=\"\(networks)\""))

        try Self.expectScreenshotDrawn(page, "with passes filtered out", height: 1600)
    }

    /// Writes `html` as NAME.html under .build/test-artifacts/html-report and returns the page.
    static func writePage(_ name: String, _ html: String) throws -> URL {
        let page = try HeadlessChromium.artifactsDirectory("html-report").appendingPathComponent("\(name).html")
        try Data(html.utf8).write(to: page)
        return page
    }

    /// Screenshots the page beside it (NAME.png), says where, and expects the picture really drawn.
    static func expectScreenshotDrawn(_ page: URL, _ what: String, height: Int = 2400) throws {
        let png = page.deletingPathExtension().appendingPathExtension("png")
        try HeadlessChromium.screenshot(page, to: png, height: height)
        print("screenshot \(what): \(png.path)")
        #expect(RenderedReportPage.screenshotProblems(png, width: 1280, height: height) == [])
    }
}
