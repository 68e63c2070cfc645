import ArgumentParser
import Foundation
import VNetDiff
import VNetJudge
import VNetModel
import VNetSnapshot

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two check reports (or snapshots): which claims regressed, and which rules or settings explain it.",
        discussion: """
            BEFORE and AFTER are each a JSON report (`check --format json`) or a snapshot directory \
            (`snapshot --output DIR`, judged here without traffic). Checks are matched by network, id and \
            address family and classed regressed, improved, new, gone or unchanged. When both reports \
            carry the state they judged (reports of this version do), firewall rules are compared by \
            content, not position (a rule that only moved is `moved`), with chains, tables, routes, \
            sysctls, links and libvirt definitions; each regressed or improved check names the changes \
            that lie on its evidence path. See docs/diff.md.

            Exit codes: 0 nothing regressed, 1 something regressed (a check got worse, or a new one does \
            not pass), 2 could not compare (a file that is neither a report nor a snapshot).
            """
    )

    @Argument(help: ArgumentHelp("The report or snapshot before the change.", valueName: "before"))
    var before: String

    @Argument(help: ArgumentHelp("The report or snapshot after the change.", valueName: "after"))
    var after: String

    @Option(help: "Output format: text for people, json for programs (docs/diff.md).")
    var format: DiffFormat = .text

    @Option(help: ArgumentHelp("Write the diff to this file (atomically) instead of standard output.", valueName: "file"))
    var output: String?

    @OptionGroup var logging: LoggingOptions

    enum DiffFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func run() throws {
        let logger = logging.makeLogger()
        let catalogue = Catalogue.loadingStandard()
        let diff = ReportDiff(before: try DiffSide.report(at: before, catalogue: catalogue),
                              after: try DiffSide.report(at: after, catalogue: catalogue),
                              beforeLabel: before, afterLabel: after)
        let rendered: Data
        switch format {
        case .text: rendered = Data(DiffTextRenderer.render(diff).utf8)
        case .json: rendered = try ModelJSON.encoder().encode(diff) + Data("\n".utf8)
        }
        if let output {
            do {
                try AtomicFile.write(rendered, to: output, existing: .replace)
            } catch let failure as AtomicFile.Failure {
                throw VNetAuditFailure("\(failure.path): cannot write the diff: \(failure.reason)")
            }
            logger.notice("diff written to \(output): \(diff.regressed ? "something regressed" : "nothing regressed")")
        } else {
            FileHandle.standardOutput.write(rendered)
        }
        if diff.exitCode != 0 { throw ExitCode(diff.exitCode) }
    }
}

/// One side of a comparison: a saved JSON report, or a snapshot judged now.
enum DiffSide {
    static func report(at path: String, catalogue: Background<Catalogue>) throws -> AuditReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VNetAuditFailure("\(path): no such file or directory (a JSON report or a snapshot directory)")
        }
        if isDirectory.boolValue {
            let bundle: Snapshot
            do {
                bundle = try SnapshotBundle.read(from: URL(fileURLWithPath: path))
            } catch {
                throw VNetAuditFailure("\(path): not a readable snapshot: \(error)")
            }
            return try StaticJudgement(scope: AuditScope(host: bundle.host), catalogue: catalogue.value)
                .report(source: "snapshot \(path)", version: VNetAudit.version)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VNetAuditFailure("\(path): cannot read the file")
        }
        do {
            return try AuditReport.decode(data, file: path)
        } catch {
            throw VNetAuditFailure(error.description)
        }
    }

    /// `check --baseline FILE`: the comparison of `baseline` with the report just made, on standard error
    /// (standard output keeps the report); the exit code says whether anything regressed.
    static func compare(baseline report: AuditReport, label: String, with now: AuditReport, nowLabel: String) -> Int32 {
        let diff = ReportDiff(before: report, after: now, beforeLabel: label, afterLabel: nowLabel)
        FileHandle.standardError.write(Data(("\nchanges since the baseline:\n" + DiffTextRenderer.render(diff)).utf8))
        return diff.exitCode
    }
}
