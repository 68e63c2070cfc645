import VNetModel

/// One difference between the host state a report judged before and the one it judged after: a firewall
/// rule, chain or table, a route or policy rule, a sysctl, a link, a libvirt network definition.
public struct StateChange: Codable, Sendable, Hashable {
    public enum Area: String, Codable, Sendable, Hashable, CaseIterable {
        case firewallRule = "firewall-rule"
        case firewallChain = "firewall-chain"
        case firewallTable = "firewall-table"
        case route
        case policyRule = "policy-rule"
        case sysctl
        case link
        case libvirtNetwork = "libvirt-network"
    }

    public enum Kind: String, Codable, Sendable, Hashable {
        case added, removed, changed
        /// A firewall rule whose content is unchanged but whose order among the chain's other rules is not.
        case moved
    }

    public var area: Area
    public var kind: Kind
    /// What changed, in words a person finds it by: `ip filter FORWARD (x_tables)`, `net.ipv4.ip_forward`,
    /// `link virbr0`, `route 0.0.0.0/0 table 254`, `libvirt network default`.
    public var subject: String
    /// The value before (a rule's text, a sysctl's value, a policy...), nil when it was absent.
    public var before: String?
    /// The value after, nil when it is absent now.
    public var after: String?
    /// For the firewall areas: the table and chain (nil chain for a whole table).
    public var location: FirewallLocation?
    /// For rules: 1-based positions in the chain before and after.
    public var positionBefore: Int?
    public var positionAfter: Int?
    /// For links, sysctls and routes: the interfaces they are about, so a change can be tied to a packet's path.
    public var interfaces: [String]?
    /// true for a table or chain added or removed that holds no rule and no drop policy: it cannot change
    /// a packet's fate, so it explains nothing (iptables-legacy registering an empty `filter` table).
    public var inert: Bool?

    public init(area: Area, kind: Kind, subject: String, before: String? = nil, after: String? = nil,
                location: FirewallLocation? = nil, positionBefore: Int? = nil, positionAfter: Int? = nil,
                interfaces: [String]? = nil, inert: Bool? = nil) {
        self.area = area
        self.kind = kind
        self.subject = subject
        self.before = before
        self.after = after
        self.location = location
        self.positionBefore = positionBefore
        self.positionAfter = positionAfter
        self.interfaces = interfaces
        self.inert = inert
    }
}

/// A table (and chain) of one rule system, named as paths and `nft list` name them.
public struct FirewallLocation: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `nf_tables` or `x_tables`.
    public var system: String
    /// `ip`, `ip6`, `inet`, `bridge`...
    public var family: String
    public var table: String
    public var chain: String?

    public init(system: String, family: String, table: String, chain: String? = nil) {
        self.system = system
        self.family = family
        self.table = table
        self.chain = chain
    }

    init(_ table: FirewallTable, chain: String? = nil) {
        self.init(system: table.system.rawValue, family: table.family.rawValue, table: table.name, chain: chain)
    }

    /// `ip filter FORWARD (x_tables)`.
    public var description: String {
        "\(family) \(table)\(chain.map { " \($0)" } ?? "") (\(system))"
    }

    /// The table this location lies in.
    public var tableOnly: FirewallLocation { FirewallLocation(system: system, family: family, table: table) }

    public static func < (a: FirewallLocation, b: FirewallLocation) -> Bool {
        (a.system, a.family, a.table, a.chain ?? "") < (b.system, b.family, b.table, b.chain ?? "")
    }
}
