import ArgumentParser
import Foundation
import VNetCollect
import VNetModel
import VNetReport

extension HostCollector.Part: ExpressibleByArgument {}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the host's virtual networks, bridges, routes, sysctls and firewall as vnetaudit sees them.",
        discussion: """
            Live by default (needs root); --snapshot DIR or rule-set files read saved state instead. \
            --format json prints the whole model (documented in docs/model.md).

            Exit codes: 0 printed, 2 could not run (bad input, missing privileges, unreadable state); \
            see docs/exit-codes.md.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var input: HostInputOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "Output format.")
    var format: Format = .text

    @Option(name: .customLong("only"),
            help: ArgumentHelp("Read only this part of the live host (repeatable): links, sysctls, firewall, libvirt, listeners. The rest is reported as not collected.", valueName: "part"))
    var only: [HostCollector.Part] = []

    @Flag(name: .customLong("no-color"), help: "No ANSI colours (also when NO_COLOR is set or output is not a terminal).")
    var noColor = false

    func validate() throws {
        if !only.isEmpty && (input.snapshot != nil || input.usesFiles) {
            throw ValidationError("--only limits what a live read collects; a snapshot or rule-set file is read whole.")
        }
    }

    func run() throws {
        let parts = only.isEmpty ? Set(HostCollector.Part.allCases) : Set(only)
        let loaded = try HostLoader.load(input, parts: parts, logger: logging.makeLogger())
        switch format {
        case .json:
            let data = try ModelJSON.encoder().encode(loaded.host)
            FileHandle.standardOutput.write(data)
            FileHandle.standardOutput.write(Data("\n".utf8))
        case .text:
            let color = !noColor && Terminal.wantsColor
            print(ShowRenderer.render(loaded.host, color: color), terminator: "")
        }
        // A busy host's model is hundreds of thousands of small objects and the process ends here:
        // the kernel takes them back at once, freeing them one by one costs a tenth of the read.
        Foundation.exit(ExitStatus.success.rawValue)
    }
}
