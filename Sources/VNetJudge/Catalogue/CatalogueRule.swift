import VNetModel

/// A diagnostic rule of the catalogue: its metadata lives in `rules/<id>.yaml`, its logic here.
/// `check` returns one outcome per network it applies to (pass included, so a report shows what held),
/// or host-level outcomes (`network` nil) for facts that are about no single network.
public protocol CatalogueRule: Sendable {
    /// The stable id, equal to the `id` of its YAML file.
    var id: String { get }
    func check(_ scope: AuditScope) -> [RuleOutcome]
}

/// What a rule found about one network or about the host.
public struct RuleOutcome: Sendable, Hashable {
    public var network: String?
    public var status: CheckStatus
    public var message: String
    public var family: AddressFamily?
    public var evidence: [Evidence]
    /// The exact commands for this host (names filled in); the rule's YAML remediation text is the summary.
    /// When empty, the YAML's command templates are filled with `placeholders` instead.
    public var commands: [String]
    /// Values for the `{placeholders}` of the rule's YAML command templates (`bridge`, `network`...).
    public var placeholders: [String: String]

    public init(network: String?, status: CheckStatus, message: String, family: AddressFamily? = nil,
                evidence: [Evidence] = [], commands: [String] = [], placeholders: [String: String] = [:]) {
        self.network = network
        self.status = status
        self.message = message
        self.family = family
        self.evidence = evidence
        self.commands = commands
        self.placeholders = placeholders
    }
}
