import Foundation

/// Test fixtures only: what a check report rendered by a browser must show, as a list of what is wrong
/// (empty when all is well), so suites without the report's types (the lab's) can hold a page to it too.
public enum RenderedReportPage {
    /// A real PNG of `width` x `height` with something drawn on it (a blank page compresses to a few KB).
    public static func screenshotProblems(_ png: URL, width: Int, height: Int) -> [String] {
        guard let data = try? Data(contentsOf: png) else { return ["\(png.path): not written"] }
        var problems: [String] = []
        if !data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { problems.append("\(png.path): no PNG signature") }
        let size = { (offset: Int) in data.count >= offset + 4 ? data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } : -1 }
        if size(16) != width || size(20) != height { problems.append("\(png.path): \(size(16))x\(size(20)), not \(width)x\(height)") }
        if data.count < 60_000 { problems.append("\(png.path): only \(data.count) bytes, a nearly blank page") }
        return problems
    }

    /// The DOM after the page's script ran: network `network` shown failed, claim `claimID` failed inside
    /// it, unfolded, with its title and message, its packet walk drawn, and the fix's commands in
    /// copyable blocks whose buttons the script revealed.
    public static func failureProblems(dom: String, network: String, claimID: String, title: String, message: String,
                                       commands: [String]) -> [String] {
        let sections = dom.components(separatedBy: "<section class=\"network\"").dropFirst()
        guard let section = sections.first(where: { $0.contains("<span class=\"network-name\">\(serialized(network))</span>") }) else {
            return ["no section for network \(network)"]
        }
        var problems: [String] = []
        if !section.contains("data-verdict=\"fail\"") || !section.contains("\(serialized(network))</span> <span class=\"status status-fail\">fail</span></h2>") {
            problems.append("network \(network) not shown failed")
        }
        let articles = section.components(separatedBy: "<article ").dropFirst()
        guard let article = articles.first(where: { $0.contains("data-status=\"fail\" data-check-id=\"\(serialized(claimID))\"") }) else {
            return problems + ["claim \(claimID) not shown failed under network \(network)"]
        }
        if !article.contains("<details open=\"\">") { problems.append("\(claimID) starts folded") }
        if !article.contains(serialized(title)) { problems.append("\(claimID): title missing") }
        if !article.contains(serialized(message)) { problems.append("\(claimID): message missing") }
        if !article.contains("<svg class=\"packet-walk\"") { problems.append("\(claimID): no packet walk drawn") }
        if commands.isEmpty { problems.append("\(claimID): no fix to show") }
        for command in commands where !article.contains(
            "<pre><code>\(serialized(command))</code></pre><button type=\"button\" class=\"copy no-print\">Copy</button>") {
            problems.append("\(claimID): command \(command) not in a copyable block")
        }
        return problems
    }

    /// A real PDF of more than one page.
    public static func pdfProblems(_ pdf: URL) -> [String] {
        guard let data = try? Data(contentsOf: pdf) else { return ["\(pdf.path): not written"] }
        let text = String(decoding: data, as: UTF8.self)
        let pages = text.components(separatedBy: "/Type /Page").count - text.components(separatedBy: "/Type /Pages").count
        var problems: [String] = []
        if !data.starts(with: Array("%PDF-".utf8)) { problems.append("\(pdf.path): not a PDF") }
        if data.count < 50_000 || pages < 2 { problems.append("\(pdf.path): \(data.count) bytes, \(pages) pages") }
        return problems
    }

    /// Text as a browser serialises it in element content (only &, < and > escaped).
    public static func serialized(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
