import Foundation
import VNetModel

extension AuditReport {
    /// Reads a check report (`check --format json`) from `data`; `file` names it in errors.
    /// Tells apart "not JSON", "not a check report", "a check report of another schema version" and
    /// "a fleet report", so the user knows which file to regenerate and how.
    public static func decode(_ data: Data, file: String) throws(ReportFileError) -> AuditReport {
        guard let object = try? JSONSerialization.jsonObject(with: data), let fields = object as? [String: Any] else {
            throw ReportFileError(file: file, problem: "not a JSON object (expected the output of `vnetaudit check --format json`)")
        }
        if fields["kind"] as? String == "fleet" {
            throw ReportFileError(file: file, problem: "a fleet report, not a check report: merge the hosts' own reports")
        }
        guard fields["host"] != nil, fields["networks"] != nil, let version = fields["schemaVersion"] as? Int else {
            throw ReportFileError(file: file, problem: "not a vnetaudit check report (no schemaVersion, host or networks)")
        }
        guard version == AuditReport.currentSchemaVersion else {
            throw ReportFileError(file: file, problem: "check report schema version \(version) is not supported "
                                  + "(this vnetaudit reads version \(AuditReport.currentSchemaVersion)); "
                                  + "re-run `vnetaudit check --format json` with this version")
        }
        do {
            return try ModelJSON.decoder().decode(AuditReport.self, from: data)
        } catch {
            throw ReportFileError(file: file, problem: "not a valid check report: \(Self.reason(error))")
        }
    }

    /// A decoding error in one line: where in the document, and what.
    private static func reason(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        let (path, text): ([CodingKey], String)
        switch error {
        case .dataCorrupted(let c): (path, text) = (c.codingPath, c.debugDescription)
        case .keyNotFound(let key, let c): (path, text) = (c.codingPath + [key], "missing")
        case .typeMismatch(_, let c): (path, text) = (c.codingPath, c.debugDescription)
        case .valueNotFound(_, let c): (path, text) = (c.codingPath, c.debugDescription)
        @unknown default: return "\(error)"
        }
        let location = path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        return location.isEmpty ? text : "\(location): \(text)"
    }
}

/// A file that is not a check report this version reads, and why (`merge`, `diff`, `check --baseline`).
public struct ReportFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var problem: String
    public var description: String { "\(file): \(problem)" }
}
