import ArgumentParser
import VNetReport

/// Where check's report goes and in which formats. One format and no option: standard output;
/// `--output FILE`: that file; several formats or `--output-dir`: one file per format in the folder
/// (`reports` unless given), named by host and UTC time (`ReportDirectory`), the evidence beside them.
struct ReportOutputOptions: ParsableArguments {
    /// Where several formats go when no `--output-dir` is given.
    static let defaultDirectory = "reports"

    @Option(name: .customLong("format"),
            help: ArgumentHelp("Report format (repeatable): text for people, json for programs (schemas/check-report.schema.json), html (self-contained page), junit (CI test results), markdown (tickets), prometheus (node_exporter textfile). Several formats are written to --output-dir (default ./reports)."))
    var formats: [ReportFormat] = []

    @Option(help: ArgumentHelp("Write the report to this file (atomically) instead of standard output; one format only.", valueName: "file"))
    var output: String?

    @Option(name: .customLong("output-dir"),
            help: ArgumentHelp("Write each format's report to this folder as HOST-YYYYMMDDTHHMMSSZ.EXT (UTC), evidence pcaps in HOST-YYYYMMDDTHHMMSSZ/ beside them.", valueName: "dir"))
    var outputDirectory: String?

    func validate() throws {
        if output != nil && outputDirectory != nil {
            throw ValidationError("--output names one file, --output-dir a folder of reports: pick one.")
        }
        if output != nil && chosenFormats.count > 1 {
            throw ValidationError("--output takes one format; several formats go to --output-dir (default ./\(Self.defaultDirectory)).")
        }
        if Set(chosenFormats.map(\.fileExtension)).count < chosenFormats.count {
            throw ValidationError("two of the formats asked for share a file name extension; ask for them in two runs.")
        }
    }

    /// The formats asked for, each once, in the order given; text when none is.
    var chosenFormats: [ReportFormat] {
        var seen = Set<ReportFormat>()
        let asked = formats.filter { seen.insert($0).inserted }
        return asked.isEmpty ? [.text] : asked
    }

    /// The folder of the reports when they go to one: `--output-dir`, or the default for several formats.
    var directory: String? {
        outputDirectory ?? (output == nil && chosenFormats.count > 1 ? Self.defaultDirectory : nil)
    }
}
