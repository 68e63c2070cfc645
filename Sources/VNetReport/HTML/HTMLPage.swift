import VNetJudge

/// The frame every HTML output shares: one self-contained document (inline CSS, no external fetch), so a
/// report works offline and when mailed. Renderers build the body; text reaches markup only through `escape`.
enum HTMLPage {
    /// A complete document with `title`, the shared stylesheet plus `extraStyle`, and `body` (already markup).
    static func document(title: String, extraStyle: String = "", body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        \(stylesheet)
        \(extraStyle)
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// Text made safe for element content and quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Styles shared by every page: status colours, tables, code blocks, print rules.
    static let stylesheet = """
        :root { --pass: #1a7f37; --warn: #9a6700; --inconclusive: #6e40c9; --fail: #cf222e; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; }
        h1, h2, h3 { line-height: 1.2; }
        table { border-collapse: collapse; }
        th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
        code, pre { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
        pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
        .status { display: inline-block; border-radius: .3rem; padding: 0 .45rem; color: #fff; font-weight: 600; text-transform: uppercase; font-size: 12px; }
        .status-pass { background: var(--pass); } .status-warn { background: var(--warn); }
        .status-inconclusive { background: var(--inconclusive); } .status-fail { background: var(--fail); }
        .muted { color: var(--muted); }
        @media print { .no-print { display: none !important; } body { max-width: none; margin: 0; } details::details-content { content-visibility: visible; } }
        """

    /// A status as a coloured badge; the word itself is in the badge, so it reads in black and white too.
    static func badge(_ status: CheckStatus) -> String {
        "<span class=\"status status-\(status.rawValue)\">\(status.rawValue)</span>"
    }
}
