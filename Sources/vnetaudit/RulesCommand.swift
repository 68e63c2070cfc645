import ArgumentParser
import Foundation
import VNetJudge

/// `vnetaudit rules`: the diagnostic catalogue built into the binary.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the diagnostic catalogue: id, severity, modes and title of every rule.",
        discussion: """
            --format json prints every definition in full; --format markdown prints docs/rules.md.

            Exit codes: 0 listed, 2 could not run; see docs/exit-codes.md.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, markdown }

    @Option(help: "Output format.")
    var format: Format = .text

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let catalogue: Catalogue
        do {
            catalogue = try Catalogue.standard()
        } catch {
            throw VNetAuditFailure("the built-in catalogue is broken: \(error)")
        }
        switch format {
        case .text: print(CatalogueListing.text(catalogue.definitions), terminator: "")
        case .markdown: print(CatalogueListing.markdown(catalogue.definitions), terminator: "")
        case .json:
            FileHandle.standardOutput.write(try CatalogueListing.json(catalogue.definitions))
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
    }
}
