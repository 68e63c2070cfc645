import VNetJudge

/// One check as an `<article>`: status, title, id, family, severity, then (open unless it passed) the
/// message, the evidence and the fix. `data-status` is what the status filters act on.
enum HTMLFinding {
    /// - Parameter anchor: a unique id fragment for this check on the page.
    static func render(_ finding: Finding, anchor: String) -> String {
        let status = finding.status.rawValue
        var out = "<article class=\"check check-\(status)\" id=\"check-\(anchor)\" data-status=\"\(status)\" data-check-id=\"\(HTMLPage.escape(finding.id))\">\n"
        out += "<details\(finding.status == .pass ? "" : " open")>\n<summary>"
        out += HTMLPage.badge(finding.status)
        out += " <span class=\"check-title\">\(HTMLPage.escape(finding.title))</span>"
        out += " <code class=\"check-id\">\(HTMLPage.escape(finding.id))</code>"
        out += " <span class=\"tag\">\(finding.kind.rawValue)</span>"
        if let family = finding.family { out += " <span class=\"tag\">\(family.rawValue)</span>" }
        if let severity = finding.severity { out += " <span class=\"tag severity severity-\(severity.rawValue)\">severity \(severity.rawValue)</span>" }
        out += "</summary>\n"
        out += "<p class=\"message\">\(HTMLPage.escape(finding.message))</p>\n"
        if !finding.evidence.isEmpty {
            out += "<div class=\"evidence\"><h4>Evidence</h4>\n"
            // Several packets often tell one story: each walk after the first is folded, and a pass's walks
            // all are (their one-line captions stay, also in print).
            var walks = 0
            for evidence in finding.evidence {
                out += HTMLEvidence.render(evidence, folded: evidence.path != nil && (walks > 0 || finding.status == .pass))
                if evidence.path != nil { walks += 1 }
            }
            out += "</div>\n"
        }
        if let fix = finding.remediation { out += HTMLRemediation.render(fix) }
        return out + "</details>\n</article>\n"
    }
}
