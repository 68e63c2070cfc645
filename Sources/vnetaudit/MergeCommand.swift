import ArgumentParser
import Foundation
import VNetJudge
import VNetModel
import VNetReport

/// `vnetaudit merge`: many hosts' JSON check reports into one fleet report.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine many hosts' JSON check reports into one fleet report (which hosts, which networks, what fails where).",
        discussion: """
            Each REPORT is the output of `vnetaudit check --format json` on one host. A host is known by its \
            hostname: when several reports name the same host, the newest counts and the others are listed \
            as superseded. A report of another schema version, or a file that is not a check report, stops \
            the merge with a message naming the file. With --output, the paths of the host reports in the \
            fleet report are relative to it; a host's HTML report (same name, .html) beside its JSON report \
            is linked from the HTML fleet report. Schema: schemas/fleet-report.schema.json; see docs/fleet.md.

            Exit codes: 0 nothing failed on any host (warnings allowed), 1 a check failed on some host, \
            2 could not run (bad input), 3 nothing failed but something stayed inconclusive.
            """
    )

    /// The forms of a fleet report.
    enum Format: String, CaseIterable, ExpressibleByArgument {
        case json, html
    }

    @Argument(help: ArgumentHelp("Check reports (JSON) of the hosts.", valueName: "report"))
    var reports: [String]

    @Option(help: "Output format: json for programs (schemas/fleet-report.schema.json), html for people.")
    var format: Format = .json

    @Option(help: ArgumentHelp("Write the fleet report to this file (atomically) instead of standard output.", valueName: "file"))
    var output: String?

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let logger = logging.makeLogger()
        let fleet = FleetReport.merge(try reports.map(read), version: VNetAudit.version)
        for old in fleet.superseded {
            logger.warning("\(old.hostname): \(old.reportFile ?? "report") of \(ModelJSON.format(old.generatedAt)) left out for the newer \(old.keptReportFile ?? "report") of \(ModelJSON.format(old.keptGeneratedAt))")
        }
        let rendered = switch format {
        case .json: try ModelJSON.encoder().encode(fleet) + Data("\n".utf8)
        case .html: Data(FleetHTMLRenderer.render(fleet).utf8)
        }
        if let output {
            do {
                try AtomicFile.write(rendered, to: output, existing: .replace)
            } catch let failure as AtomicFile.Failure {
                throw VNetAuditFailure("\(failure.path): cannot write the fleet report: \(failure.reason)")
            }
            logger.notice("fleet report of \(fleet.hosts.count) host\(fleet.hosts.count == 1 ? "" : "s") written to \(output): verdict \(fleet.verdict.rawValue)")
        } else {
            FileHandle.standardOutput.write(rendered)
        }
        if fleet.exitCode != 0 { throw ExitCode(fleet.exitCode) }
    }

    /// One host report, named as the fleet report shows it, with its HTML sibling when there is one.
    private func read(_ file: String) throws -> FleetInput {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw VNetAuditFailure("\(file): cannot read the file")
        }
        var input: FleetInput
        do {
            input = try FleetInput.decode(data, file: file)
        } catch {
            throw VNetAuditFailure(error.description)
        }
        input.file = shown(file)
        let html = URL(fileURLWithPath: file).deletingPathExtension().appendingPathExtension("html").path
        if FileManager.default.fileExists(atPath: html) { input.htmlFile = shown(html) }
        return input
    }

    /// `file` as the fleet report refers to it: relative to the output file's directory when there is one,
    /// so the links keep working wherever the fleet report and the host reports are moved together.
    private func shown(_ file: String) -> String {
        guard let output else { return file }
        let base = URL(fileURLWithPath: output).standardizedFileURL.deletingLastPathComponent().pathComponents
        let target = URL(fileURLWithPath: file).standardizedFileURL.pathComponents
        let common = zip(base, target).prefix { $0 == $1 }.count
        return (Array(repeating: "..", count: base.count - common) + target.dropFirst(common)).joined(separator: "/")
    }
}
