import Foundation
import VNetJudge
import VNetModel

/// The forms a check report can take; each is one rendering of the same `AuditReport`.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text
    case json
    case junit
    case markdown
    case prometheus
    case html

    /// The file name extension a report of this format gets when written into a directory.
    public var fileExtension: String {
        switch self {
        case .text: "txt"
        case .json: "json"
        case .junit: "junit.xml"
        case .markdown: "md"
        case .prometheus: "prom"
        case .html: "html"
        }
    }

    /// Renders `report` in this format; `color` (ANSI escapes) matters only to text.
    public func render(_ report: AuditReport, color: Bool = false) throws -> Data {
        switch self {
        case .text: Data(CheckRenderer.render(report, color: color).utf8)
        case .json: try ModelJSON.encoder().encode(report) + Data("\n".utf8)
        case .junit: Data(JUnitRenderer.render(report).utf8)
        case .markdown: Data(MarkdownRenderer.render(report).utf8)
        case .prometheus: Data(PrometheusRenderer.render(report).utf8)
        case .html: Data(HTMLReportRenderer.render(report).utf8)
        }
    }
}
