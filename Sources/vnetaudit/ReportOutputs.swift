import Foundation
import Logging
import VNetJudge
import VNetReport

/// The reports of one check run and where they go (`ReportOutputOptions`). In a report folder the names
/// are reserved up front, so that the evidence written during the run and the findings naming it agree
/// with the reports written at its end.
struct ReportOutputs {
    private enum Destination {
        case standardOutput(ReportFormat)
        case file(String, ReportFormat)
        case directory(ReportDirectory, [ReportFormat])
    }

    private let destination: Destination

    /// Reserves the names in the report folder, if the reports go to one; `release()` gives back what
    /// stayed unused.
    init(_ options: ReportOutputOptions, hostname: String, now: Date = Date()) throws {
        let formats = options.chosenFormats
        if let folder = options.directory {
            destination = .directory(try ReportDirectory.reserve(in: folder, hostname: hostname, at: now), formats)
        } else if let file = options.output {
            destination = .file(file, formats[0])
        } else {
            destination = .standardOutput(formats[0])
        }
    }

    /// Where the evidence pcaps go and how findings name them: beside the reports (in the run's own
    /// folder in a report folder), or in `chosen` (`--evidence-dir`).
    func evidenceLocation(chosen: String?) -> EvidenceLocation {
        switch destination {
        case .standardOutput: EvidenceLocation(reportFile: nil, evidenceDirectory: chosen)
        case .file(let path, _): EvidenceLocation(reportFile: path, evidenceDirectory: chosen)
        case .directory(let folder, let formats):
            EvidenceLocation(reportFile: folder.file(for: formats[0]), evidenceDirectory: chosen ?? folder.evidenceDirectory)
        }
    }

    /// Renders and writes every report, each file atomically; in a report folder either all of them
    /// appear or none. `color` applies to standard output only; files never get escapes.
    func write(_ report: AuditReport, color: Bool, logger: Logger) throws {
        let written = { (path: String) in logger.notice("report written to \(path): verdict \(report.verdict.rawValue)") }
        switch destination {
        case .standardOutput(let format):
            FileHandle.standardOutput.write(try format.render(report, color: color))
        case .file(let path, let format):
            try Self.write(try format.render(report), to: path, existing: .replace)
            written(path)
        case .directory(let folder, let formats):
            let rendered = try formats.map { (path: folder.file(for: $0), data: try $0.render(report)) }
            var done: [String] = []
            do {
                for file in rendered {
                    try Self.write(file.data, to: file.path, existing: .keep)
                    done.append(file.path)
                }
            } catch {
                for path in done { unlink(path) }
                throw error
            }
            done.forEach(written)
        }
    }

    /// Gives back the reserved evidence folder if nothing went into it.
    func release() {
        if case .directory(let folder, _) = destination { folder.release() }
    }

    private static func write(_ data: Data, to path: String, existing: AtomicFile.Existing) throws {
        do {
            try AtomicFile.write(data, to: path, existing: existing)
        } catch let failure as AtomicFile.Failure {
            throw VNetAuditFailure("\(failure.path): cannot write the report: \(failure.reason)")
        }
    }
}
