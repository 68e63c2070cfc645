import Foundation
import VNetJudge

/// The traffic judged (`capture` of the report): per interface frames, bytes, the drops that make
/// "nothing bad seen" untrustworthy, how the frames decoded and how the capture ended.
enum HTMLTrafficSection {
    static func render(_ capture: CaptureSection) -> String {
        var out = "<section class=\"traffic\" id=\"traffic\">\n<h2>Traffic judged</h2>\n<p>"
        out += "Source: \(HTMLPage.escape(capture.source)); duration \(String(format: "%.1f", capture.durationSeconds)) s"
        if let requested = capture.requestedSeconds { out += " (asked for \(String(format: "%.1f", requested)) s)" }
        if let dir = capture.evidenceDirectory {
            let name = dir == "." ? "the folder of this report" : HTMLPage.escape(dir)
            out += "; evidence pcaps in <a href=\"\(HTMLPage.escape(HTMLEvidence.hrefPath(dir)))\">\(name)</a>"
        }
        out += ".</p>\n"
        out += "<table class=\"capture\"><thead><tr><th>interface</th><th>source</th><th class=\"num\">frames</th>"
            + "<th class=\"num\">bytes</th><th class=\"num\">dropped by kernel</th><th class=\"num\">dropped by interface</th>"
            + "<th>decoded / truncated / malformed / unsupported</th><th>end</th></tr></thead><tbody>\n"
        for interface in capture.interfaces { out += row(interface) }
        return out + "</tbody></table>\n</section>\n"
    }

    private static func row(_ interface: CaptureSection.Interface) -> String {
        func cell<Count: BinaryInteger>(_ value: Count?, alarming: Bool = false) -> String {
            guard let value else { return "<td class=\"num muted\">n/a</td>" }
            return "<td class=\"num\(alarming && value > 0 ? " alarm" : "")\">\(value)</td>"
        }
        let counters = interface.counters
        var out = "<tr class=\"capture-\(interface.end.rawValue)\"><td><code>\(HTMLPage.escape(interface.interface))</code></td>"
        out += "<td>\(HTMLPage.escape(interface.source))"
        if let filter = interface.filter {
            out += "<details class=\"filter\"><summary class=\"muted\">capture filter</summary><code>\(HTMLPage.escape(filter))</code></details>"
        }
        out += "</td>"
        out += cell(interface.frames) + cell(interface.bytes)
        out += cell(counters?.droppedByKernel, alarming: true) + cell(counters?.droppedByInterface, alarming: true)
        if let tally = interface.decode {
            let bad = tally.truncated + tally.malformed + tally.unsupported > 0
            out += "<td class=\"\(bad ? "alarm" : "")\">\(tally.decoded) / \(tally.truncated) / \(tally.malformed) / \(tally.unsupported)</td>"
        } else {
            out += "<td class=\"muted\">not decoded</td>"
        }
        var end = HTMLPage.escape(interface.end.rawValue)
        if let detail = interface.endDetail { end += ": " + HTMLPage.escape(detail) }
        if interface.truncatedLastRecord == true { end += "; last record cut short" }
        out += "<td class=\"\(interface.end == .completed ? "" : "alarm")\">\(end)</td></tr>\n"
        return out
    }
}
