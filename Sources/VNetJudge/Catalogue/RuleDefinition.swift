import Foundation
import VNetModel
import Yams

/// A catalogue rule's metadata as written in `rules/<id>-<slug>.yaml`: what it detects, why it matters,
/// and what to do. The logic lives in the rule's Swift implementation with the same `id`.
public struct RuleDefinition: Codable, Sendable, Hashable {
    /// Stable id `VNA-NNN`: never reused or renumbered, so reports and suppressions keep meaning.
    public var id: String
    /// Short kebab-case name; the file is `<id>-<slug>.yaml`.
    public var slug: String
    public var title: String
    public var severity: Severity
    /// The network modes the rule applies to, or `host` for a rule about the host as a whole.
    public var modes: [RuleScope]
    /// Cause numbers the rule diagnoses (docs/causes.md).
    public var detects: [Int]
    public var rationale: String
    public var remediation: RemediationTemplate
    public var references: [String]

    /// The file name the definition must have.
    public var fileName: String { "\(id)-\(slug).yaml" }

    /// True when the rule looks at networks of `mode`.
    public func applies(to mode: ForwardMode) -> Bool { modes.contains(.network(mode)) }
    /// True when the rule is about the host as a whole and sees every selected network.
    public var isHostRule: Bool { modes.contains(.host) }

    /// Parses and validates the YAML text of `file` (its name, for errors and the name check).
    public static func parse(_ text: String, file: String) throws -> RuleDefinition {
        var definition: RuleDefinition
        do {
            definition = try YAMLDecoder().decode(RuleDefinition.self, from: text)
        } catch let error as DecodingError {
            throw CatalogueError(file: file, reason: describe(error))
        } catch {
            throw CatalogueError(file: file, reason: "not valid YAML: \(error)")
        }
        // Folded YAML blocks (`>`) end with a newline; a sentence does not.
        definition.rationale = definition.rationale.trimmingCharacters(in: .whitespacesAndNewlines)
        definition.remediation.summary = definition.remediation.summary.trimmingCharacters(in: .whitespacesAndNewlines)
        try definition.validate(file: file)
        return definition
    }

    private func validate(file: String) throws {
        func fail(_ reason: String) -> CatalogueError { CatalogueError(file: file, reason: reason) }
        guard id.wholeMatch(of: /VNA-[0-9]{3}/) != nil else { throw fail("id '\(id)' is not of the form VNA-NNN") }
        guard slug.wholeMatch(of: /[a-z0-9]+(-[a-z0-9]+)*/) != nil else { throw fail("slug '\(slug)' is not kebab-case") }
        guard file == fileName else { throw fail("file name must be \(fileName)") }
        guard !title.isEmpty, !rationale.isEmpty, !remediation.summary.isEmpty else {
            throw fail("title, rationale and remediation.summary must not be empty")
        }
        guard !modes.isEmpty else { throw fail("modes must name at least one forward mode or host") }
        guard !(isHostRule && modes.count > 1) else { throw fail("a host rule has the single mode 'host'") }
        guard !references.isEmpty else { throw fail("references must not be empty") }
    }

    private static func describe(_ error: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String {
            path.isEmpty ? "the top level" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key '\(at(context.codingPath + [key]))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "bad value at \(at(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// Where a rule applies: networks of one forward mode, or the host.
public enum RuleScope: Codable, Sendable, Hashable, CustomStringConvertible {
    case host
    case network(ForwardMode)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        if text == "host" {
            self = .host
        } else if let mode = ForwardMode(rawValue: text) {
            self = .network(mode)
        } else {
            let known = (["host"] + ForwardMode.allCases.map(\.rawValue)).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown mode '\(text)' (one of \(known))")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var description: String {
        switch self {
        case .host: return "host"
        case .network(let mode): return mode.rawValue
        }
    }
}

/// The remediation of a rule: a sentence, and command templates whose `{placeholders}` a rule's outcome
/// fills with this host's names (`{bridge}`, `{network}`, `{sysctl}`...).
public struct RemediationTemplate: Codable, Sendable, Hashable {
    public var summary: String
    public var commands: [String]

    public init(summary: String, commands: [String]) {
        self.summary = summary
        self.commands = commands
    }

    /// The commands with `values` filled in; a command with a placeholder `values` lacks is left out,
    /// so a report never shows a half-filled command.
    public func commands(filling values: [String: String]) -> [String] {
        commands.compactMap { template in
            var missing = false
            let filled = template.replacing(RemediationTemplate.placeholder) { match in
                guard let value = values[String(match.output.1)] else {
                    missing = true
                    return String(match.output.0)
                }
                return value
            }
            return missing ? nil : filled
        }
    }

    /// `{name}`: lowercase letters and underscores between braces, nothing else.
    nonisolated(unsafe) static let placeholder = /\{([a-z_]+)\}/

    /// The placeholder names the templates use.
    public var placeholders: Set<String> {
        Set(commands.flatMap { $0.matches(of: RemediationTemplate.placeholder).map { String($0.output.1) } })
    }
}

/// A catalogue file that could not be used, naming the file.
public struct CatalogueError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
