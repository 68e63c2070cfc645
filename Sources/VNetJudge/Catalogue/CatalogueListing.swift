import Foundation

/// The catalogue as people read it: a text table, JSON, and the Markdown of docs/rules.md.
public enum CatalogueListing {
    /// One line per rule: id, severity, modes, title.
    public static func text(_ definitions: [RuleDefinition]) -> String {
        let modes = definitions.map { $0.modes.map(\.description).joined(separator: ",") }
        let width = max(5, modes.map(\.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
        var out = "\(pad("ID", 8))  \(pad("SEVERITY", 8))  \(pad("MODES", width))  TITLE\n"
        for (definition, mode) in zip(definitions, modes) {
            out += "\(pad(definition.id, 8))  \(pad(definition.severity.rawValue, 8))  \(pad(mode, width))  \(definition.title)\n"
        }
        return out
    }

    /// The definitions as a JSON array (keys sorted, so the output is stable).
    public static func json(_ definitions: [RuleDefinition]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(definitions)
    }

    /// docs/rules.md: a summary table, then each rule in full.
    public static func markdown(_ definitions: [RuleDefinition]) -> String {
        var out = """
            # The diagnostic catalogue

            Generated from `rules/*.yaml` by `vnetaudit rules --format markdown` (`scripts/gen-catalogue.sh`
            writes it); do not edit by hand. Cause numbers refer to "Real causes of broken guest networking"
            in the field notes. Commands are templates: a finding fills `{placeholders}` with the host's names.

            | id | severity | modes | title | causes |
            |---|---|---|---|---|

            """
        for d in definitions {
            out += "| [\(d.id)](#\(d.id.lowercased())-\(d.slug)) | \(d.severity.rawValue) | \(modes(d)) | \(cell(d.title)) | \(causes(d)) |\n"
        }
        for d in definitions {
            out += "\n## \(d.id) \(d.slug)\n\n"
            out += "**\(d.title)**\n\n"
            out += "- Severity: \(d.severity.rawValue)\n- Modes: \(modes(d))\n- Field-notes causes: \(causes(d))\n"
            out += "- Definition: `rules/\(d.fileName)`\n\n"
            out += d.rationale + "\n\n"
            out += "**Remediation.** " + d.remediation.summary + "\n"
            if !d.remediation.commands.isEmpty {
                out += "\n```sh\n" + d.remediation.commands.joined(separator: "\n") + "\n```\n"
            }
            out += "\nReferences:\n\n" + d.references.map { "- \($0)\n" }.joined()
        }
        return out
    }

    private static func modes(_ d: RuleDefinition) -> String { d.modes.map(\.description).joined(separator: ", ") }
    private static func causes(_ d: RuleDefinition) -> String { d.detects.map(String.init).joined(separator: ", ") }
    private static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}
