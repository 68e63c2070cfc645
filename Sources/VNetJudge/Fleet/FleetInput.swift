import Foundation
import VNetModel

/// One host's check report as `merge` takes it in: the report and the file it came from.
public struct FleetInput: Sendable {
    public var report: AuditReport
    /// The file, as it is to appear in the fleet report; nil when the report was not read from a file.
    public var file: String?
    /// The host's own HTML report, when one is known.
    public var htmlFile: String?

    public init(report: AuditReport, file: String? = nil, htmlFile: String? = nil) {
        self.report = report
        self.file = file
        self.htmlFile = htmlFile
    }

    /// Reads a check report (`check --format json`) from `data`; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws(ReportFileError) -> FleetInput {
        FleetInput(report: try AuditReport.decode(data, file: file), file: file)
    }
}
