import VNetJudge

/// Filters by status without scripts: one checkbox per status (first in the body, so every later part
/// of the page is their sibling) and CSS that hides the checks of an unchecked status, and a network
/// once every status up to its verdict is unchecked (it has nothing left to show).
enum StatusFilter {
    static func inputId(_ status: CheckStatus) -> String { "show-\(status.rawValue)" }

    /// The checkboxes, all checked: the page opens showing everything.
    static var inputs: String {
        CheckStatus.allCases.map {
            "<input type=\"checkbox\" class=\"filter-input no-print\" id=\"\(inputId($0))\" checked aria-label=\"show \($0.rawValue) checks\">\n"
        }.joined()
    }

    /// The visible bar: one toggle per status with its count of checks, worst first.
    static func bar(_ report: AuditReport) -> String {
        var out = "<nav class=\"filters no-print\" aria-label=\"Filter checks by status\"><span class=\"filters-label\">Show checks:</span>\n"
        for status in CheckStatus.allCases.reversed() {
            out += "<label for=\"\(inputId(status))\" class=\"filter filter-\(status.rawValue)\">\(status.rawValue) "
                + "<span class=\"muted\">(\(report.summary.checks[status] ?? 0))</span></label>\n"
        }
        return out + "<span class=\"muted\">Uncheck pass to see only what needs attention.</span></nav>\n"
    }

    static var css: String {
        let statuses = CheckStatus.allCases
        var rules: [String] = []
        for status in statuses {
            let id = inputId(status)
            rules.append("#\(id):not(:checked) ~ main .check[data-status=\"\(status.rawValue)\"] { display: none; }")
            rules.append("#\(id):checked ~ nav label[for=\"\(id)\"]::before { content: \"\\2713\"; background: var(--\(status.rawValue)); border-color: var(--\(status.rawValue)); }")
            rules.append("#\(id):focus-visible ~ nav label[for=\"\(id)\"] { outline: 2px solid var(--fg); }")
        }
        for (index, verdict) in statuses.enumerated() {
            let unchecked = statuses[...index].map { "#\(inputId($0)):not(:checked)" }.joined(separator: " ~ ")
            rules.append("\(unchecked) ~ main .network[data-verdict=\"\(verdict.rawValue)\"] { display: none; }")
        }
        return rules.joined(separator: "\n") + "\n"
    }
}
