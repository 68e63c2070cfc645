import VNetModel

/// The diagnostic catalogue: every rule's definition (from `rules/*.yaml`, embedded at build time) paired
/// with its implementation. Running it turns each rule's outcomes into findings that carry the rule's
/// title, severity and remediation.
public struct Catalogue: Sendable {
    public struct Entry: Sendable {
        public let definition: RuleDefinition
        public let rule: any CatalogueRule
    }

    /// Sorted by id.
    public let entries: [Entry]

    /// Pairs definitions parsed from `sources` (file name, YAML text) with `rules` by id. Every definition
    /// needs exactly one implementation and every implementation exactly one definition.
    public init(sources: [(name: String, text: String)], rules: [any CatalogueRule]) throws {
        let definitions = try sources.map { try RuleDefinition.parse($0.text, file: $0.name) }
        var byID: [String: RuleDefinition] = [:]
        for definition in definitions {
            guard byID.updateValue(definition, forKey: definition.id) == nil else {
                throw CatalogueError(file: definition.fileName, reason: "id \(definition.id) is defined twice")
            }
        }
        var implemented: [String: any CatalogueRule] = [:]
        for rule in rules {
            guard implemented.updateValue(rule, forKey: rule.id) == nil else {
                throw CatalogueError(file: "\(type(of: rule))", reason: "id \(rule.id) is implemented twice")
            }
            guard byID[rule.id] != nil else {
                throw CatalogueError(file: "\(type(of: rule))", reason: "implements \(rule.id), which no rules/*.yaml defines")
            }
        }
        entries = try definitions.sorted { $0.id < $1.id }.map { definition in
            guard let rule = implemented[definition.id] else {
                throw CatalogueError(file: definition.fileName, reason: "no Swift implementation of \(definition.id)")
            }
            return Entry(definition: definition, rule: rule)
        }
    }

    /// The catalogue built into the binary.
    public static func standard() throws -> Catalogue {
        try Catalogue(sources: CatalogueSources.files, rules: CatalogueRules.all)
    }

    public var definitions: [RuleDefinition] { entries.map(\.definition) }

    public func entry(_ id: String) -> Entry? { entries.first { $0.definition.id == id } }

    /// Applies every rule to the networks of its modes (host rules see all selected networks) and returns
    /// its findings, rule by rule in id order.
    public func run(_ scope: AuditScope) -> [ScopedFinding] {
        entries.flatMap { entry in run(entry, scope) }
    }

    /// One rule's findings.
    public func run(_ entry: Entry, _ scope: AuditScope) -> [ScopedFinding] {
        let definition = entry.definition
        let networks = definition.isHostRule ? scope.networks : scope.networks.filter { definition.applies(to: $0.mode) }
        if !definition.isHostRule && networks.isEmpty { return [] }
        let outcomes = entry.rule.check(AuditScope(host: scope.host, networks: networks))
        return outcomes.map { ScopedFinding(network: $0.network, finding: finding(definition, $0)) }
    }

    private func finding(_ definition: RuleDefinition, _ outcome: RuleOutcome) -> Finding {
        let commands = outcome.commands.isEmpty
            ? definition.remediation.commands(filling: outcome.placeholders) : outcome.commands
        let remediation = outcome.status == .pass ? nil : Remediation(definition.remediation.summary, commands: commands)
        return Finding(id: definition.id, kind: .rule, title: definition.title, status: outcome.status,
                       severity: definition.severity, message: outcome.message, family: outcome.family,
                       evidence: outcome.evidence, remediation: remediation)
    }
}
