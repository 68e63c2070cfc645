import Foundation
import VNetJudge

/// One piece of evidence: its summary, where it comes from, and by kind the rule or value verbatim, the
/// packet walk drawn (`PacketWalkSVG`), or a link to the pcap holding the packets.
enum HTMLEvidence {
    /// - Parameter folded: the packet walk starts folded (a `<details>` the reader opens).
    static func render(_ evidence: Evidence, folded: Bool = false) -> String {
        var out = "<div class=\"evidence-item evidence-\(evidence.kind.rawValue)\">\n"
        out += "<p><span class=\"evidence-kind\">\(evidence.kind.rawValue)</span> \(HTMLPage.escape(evidence.summary))</p>\n"
        if let source = evidence.source {
            out += "<p class=\"evidence-source\">from <code>\(HTMLPage.escape(source))</code></p>\n"
        }
        if let text = evidence.text {
            out += "<pre class=\"evidence-text\"><code>\(HTMLPage.escape(text))</code></pre>\n"
        }
        if let path = evidence.path {
            let caption = HTMLPage.escape(PacketWalkSVG.caption(path))
            if folded {
                out += "<details class=\"walk\"><summary>\(caption)</summary>\n<figure class=\"packet-walk-figure\">"
                    + "\(PacketWalkSVG.render(path))</figure></details>\n"
            } else {
                out += "<figure class=\"packet-walk-figure\">\(PacketWalkSVG.render(path))<figcaption>\(caption)</figcaption></figure>\n"
            }
        }
        if let file = evidence.file {
            // The pcap lies beside the report under the relative name the report gives it.
            out += "<p class=\"evidence-file\">packets: <a class=\"pcap\" href=\"\(HTMLPage.escape(hrefPath(file)))\">"
                + "\(HTMLPage.escape(file))</a> <span class=\"muted\">(pcap, opens in Wireshark)</span></p>\n"
        }
        return out + "</div>\n"
    }

    /// A relative file name as a URL path: every byte outside the unreserved set and `/` percent-encoded,
    /// so a name with `#`, `?`, `:` or spaces still points at the file and never becomes a scheme.
    static func hrefPath(_ file: String) -> String {
        var out = ""
        for byte in file.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}

/// What to do: the summary, then each command in its own block with a copy button (shown only when
/// scripts run; the command reads and selects without it).
enum HTMLRemediation {
    static func render(_ fix: Remediation) -> String {
        var out = "<div class=\"remediation\"><h4>Fix</h4>\n<p>\(HTMLPage.escape(fix.summary))</p>\n"
        for command in fix.commands {
            out += "<div class=\"command\"><pre><code>\(HTMLPage.escape(command))</code></pre>"
                + "<button type=\"button\" class=\"copy no-print\" hidden>Copy</button></div>\n"
        }
        return out + "</div>\n"
    }
}
