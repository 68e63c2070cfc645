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
        #expect(RenderedReportPage.screenshotProblems(png, width: 1280, height: 2400) == [])

        let network = try #require(report.networks.firstIndex { $0.name == "default" })
        let claim = try #require(report.networks[network].checks.first { $0.kind == .claim && $0.status == .fail })
        let dom = try HeadlessChromium.dumpDOM(page)
        #expect(RenderedReportPage.failureProblems(dom: dom, network: "default", claimID: claim.id, title: claim.title,
                                                   message: claim.message, commands: claim.remediation?.commands ?? []) == [])
        #expect(dom.contains("no source NAT: leaves with its own source address 192.168.122."), "the walk shows the missing masquerade")

        let pdf = dir.appendingPathComponent("\(Self.fixture).pdf")
        try HeadlessChromium.printToPDF(page, to: pdf)
        print("printed: \(pdf.path)")
        #expect(RenderedReportPage.pdfProblems(pdf) == [])
    }

    /// A legacy FORWARD DROP beside libvirt's rules: the failed claim's walk ends dropped, by that policy.
    @Test func droppedTrafficReportShowsTheDropInChromium() throws {
        let name = "nftables-forward-drop-legacy"
        let report = try LabReports.report(name)
        let dir = try HeadlessChromium.artifactsDirectory("html-report")
        let page = dir.appendingPathComponent("\(name).html")
        try Data(HTMLReportRenderer.render(report).utf8).write(to: page)
        let png = dir.appendingPathComponent("\(name).png")
        try HeadlessChromium.screenshot(page, to: png)
        print("screenshot of the \(name) report: \(png.path)")
        #expect(RenderedReportPage.screenshotProblems(png, width: 1280, height: 2400) == [])

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
        let dir = try HeadlessChromium.artifactsDirectory("html-report")
        let page = dir.appendingPathComponent("hostile.html")
        try Data(HTMLReportRenderer.render(try HTMLReportRendererTests.hostileReport()).utf8).write(to: page)
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
        #expect(RenderedReportPage.screenshotProblems(png, width: 1280, height: 1600) == [])
    }
}
