import Foundation
import Testing
import VNetTestSupport

/// `vnetaudit check --format html` on the real lab with its NAT broken (masquerade removed), with probes
/// so the report also has traffic figures and evidence pcaps, rendered in headless Chromium: the
/// screenshot is left under .build/test-artifacts/html-report-lab/ (its path printed); the page shows the
/// default network failed, the failed claim with its packet walk and the fix, the probe's failure with a
/// link to its pcap (which exists beside the report), and the traffic table.
@Suite(.enabled(if: Lab.available && HeadlessChromium.available, "needs root, libvirtd and chromium (scripts/install-deps.sh)"),
       .serialized)
struct HTMLReportLabTests {
    /// A claim of a report's network, from the JSON report of the same state.
    struct Claim {
        var id: String
        var title: String
        var message: String
        var commands: [String]
    }

    private func failedClaim(_ report: [String: Any], network: String) throws -> Claim {
        let networks = try #require(report["networks"] as? [[String: Any]])
        let checks = try #require(networks.first { $0["name"] as? String == network }?["checks"] as? [[String: Any]])
        let check = try #require(checks.first { $0["kind"] as? String == "claim" && $0["status"] as? String == "fail"
                                                 && ($0["evidence"] as? [[String: Any]])?.contains { $0["kind"] as? String == "path" } == true })
        let fix = check["remediation"] as? [String: Any]
        return Claim(id: try #require(check["id"] as? String), title: try #require(check["title"] as? String),
                     message: try #require(check["message"] as? String), commands: fix?["commands"] as? [String] ?? [])
    }

    @Test func brokenNATLabReportInChromium() throws {
        let lab = try Lab(name: "htnft", backend: "nftables")  // taken down when it goes, also on failure
        let dir = try HeadlessChromium.artifactsDirectory("html-report-lab")
        let run = dir.appendingPathComponent("htnft-masquerade-removed")
        try? FileManager.default.removeItem(at: run)
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try lab.breakState("masquerade-removed")

        let page = run.appendingPathComponent("report.html")
        let html = try lab.vnetaudit(["check", "--probe", "--format", "html", "--output", page.path])
        #expect(html.status == 1, "\(html.stderr)")
        let json = try lab.vnetaudit(["check", "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
        let claim = try failedClaim(report, network: "default")

        let png = dir.appendingPathComponent("htnft-masquerade-removed.png")
        try HeadlessChromium.screenshot(page, to: png)
        print("screenshot of the lab's report: \(png.path)")
        #expect(RenderedReportPage.screenshotProblems(png, width: 1280, height: 2400) == [])

        let dom = try HeadlessChromium.dumpDOM(page)
        #expect(RenderedReportPage.failureProblems(dom: dom, network: "default", claimID: claim.id, title: claim.title,
                                                   message: claim.message, commands: claim.commands) == [])
        #expect(dom.contains("no source NAT: leaves with its own source address 192.168.122."))
        #expect(dom.contains("data-status=\"fail\" data-check-id=\"traffic.nat.probe-outbound\""), "the probe saw it too")

        // The probe's packets: linked relative to the report, and there.
        let links = dom.components(separatedBy: "<a class=\"pcap\" href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(!links.isEmpty, "evidence pcaps are linked")
        for link in links {
            let file = run.appendingPathComponent(try #require(link.removingPercentEncoding))
            #expect(!link.hasPrefix("/") && FileManager.default.fileExists(atPath: file.path), "\(link) beside the report")
        }
        #expect(dom.contains("<section class=\"traffic\" id=\"traffic\">") && dom.contains("<td><code>virbr0</code></td>"))

        let pdf = dir.appendingPathComponent("htnft-masquerade-removed.pdf")
        try HeadlessChromium.printToPDF(page, to: pdf)
        #expect(RenderedReportPage.pdfProblems(pdf) == [])
    }
}
