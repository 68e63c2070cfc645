/// One neutral representation of packet-filter rules, whether they came from nf_tables (native nft,
/// iptables-nft, libvirt's nftables backend) or from legacy x_tables (libiptc / iptables-legacy-save).
///
/// Rules are ordered lists of elements, like nft statements: matches that must all hold, then actions.
/// Anything a decoder did not understand is kept as `.unknown` with its original text: the evaluator
/// must treat it as "cannot decide", never as "does not match".

public struct Firewall: Codable, Equatable, Sendable {
    public var tables: [FirewallTable]

    public init(tables: [FirewallTable] = []) {
        self.tables = tables
    }

    public func tables(system: RuleSystem) -> [FirewallTable] { tables.filter { $0.system == system } }
    public func table(_ system: RuleSystem, _ family: TableFamily, _ name: String) -> FirewallTable? {
        tables.first { $0.system == system && $0.family == family && $0.name == name }
    }
    public var ruleCount: Int { tables.reduce(0) { $0 + $1.chains.reduce(0) { $0 + $1.rules.count } } }
}

/// Which kernel subsystem holds a table. Both hook the same netfilter points.
public enum RuleSystem: String, Codable, Sendable, Hashable {
    /// nf_tables: `nft`, iptables-nft, libvirt's nftables backend.
    case nftables = "nf_tables"
    /// Legacy x_tables: iptables-legacy, read through libiptc.
    case xtables = "x_tables"
}

public enum TableFamily: String, Codable, Sendable, Hashable, CaseIterable {
    case ip, ip6, inet, bridge, arp, netdev
}

public struct FirewallTable: Codable, Equatable, Sendable {
    public var system: RuleSystem
    public var family: TableFamily
    public var name: String
    /// nf_tables handle; nil for x_tables.
    public var handle: UInt64?
    /// `dormant`, `owner`, `persist`.
    public var flags: [String]
    public var comment: String?
    public var chains: [FirewallChain]
    /// Named sets and maps (nf_tables only).
    public var sets: [NamedSet]

    public init(system: RuleSystem, family: TableFamily, name: String, handle: UInt64? = nil, flags: [String] = [],
                comment: String? = nil, chains: [FirewallChain] = [], sets: [NamedSet] = []) {
        self.system = system
        self.family = family
        self.name = name
        self.handle = handle
        self.flags = flags
        self.comment = comment
        self.chains = chains
        self.sets = sets
    }

    public func chain(_ name: String) -> FirewallChain? { chains.first { $0.name == name } }
    public func set(_ name: String) -> NamedSet? { sets.first { $0.name == name } }
}

public enum Hook: String, Codable, Sendable, Hashable, CaseIterable {
    case prerouting, input, forward, output, postrouting, ingress, egress
}

public enum ChainType: String, Codable, Sendable, Hashable {
    case filter, nat, route
}

/// Where and when a base chain runs. x_tables built-in chains get the fixed priorities the kernel
/// registers them at (raw -300, mangle -150, nat dstnat -100, filter 0, security 50, nat srcnat 100).
public struct BaseChain: Codable, Equatable, Sendable, Hashable {
    public var type: ChainType
    public var hook: Hook
    public var priority: Int
    /// `accept` or `drop`.
    public var policy: Policy
    /// netdev ingress/egress device(s).
    public var devices: [String]
    /// Policy counters of x_tables built-in chains.
    public var policyCounters: Counters?

    public enum Policy: String, Codable, Sendable, Hashable { case accept, drop }

    public init(type: ChainType, hook: Hook, priority: Int, policy: Policy, devices: [String] = [],
                policyCounters: Counters? = nil) {
        self.type = type
        self.hook = hook
        self.priority = priority
        self.policy = policy
        self.devices = devices
        self.policyCounters = policyCounters
    }

    /// Priorities the kernel gives x_tables built-in chains (include/uapi/linux/netfilter_ipv4.h).
    public static func xtablesPriority(table: String, hook: Hook) -> Int? {
        switch (table, hook) {
        case ("raw", _): return -300
        case ("mangle", _): return -150
        case ("nat", .prerouting), ("nat", .output): return -100
        case ("nat", .postrouting), ("nat", .input): return 100
        case ("filter", _): return 0
        case ("security", _): return 50
        default: return nil
        }
    }
}

public struct FirewallChain: Codable, Equatable, Sendable {
    public var name: String
    public var handle: UInt64?
    /// nil for a regular chain (reached only by jump/goto).
    public var base: BaseChain?
    public var rules: [FirewallRule]
    public var comment: String?

    public init(name: String, handle: UInt64? = nil, base: BaseChain? = nil, rules: [FirewallRule] = [],
                comment: String? = nil) {
        self.name = name
        self.handle = handle
        self.base = base
        self.rules = rules
        self.comment = comment
    }
}

public struct Counters: Codable, Equatable, Sendable, Hashable {
    public var packets: UInt64
    public var bytes: UInt64
    public init(packets: UInt64, bytes: UInt64) {
        self.packets = packets
        self.bytes = bytes
    }
}

public struct FirewallRule: Codable, Equatable, Sendable {
    /// 1-based position in its chain (the number `iptables -L --line-numbers` shows).
    public var position: Int
    /// nf_tables rule handle (`nft -a`); nil for x_tables.
    public var handle: UInt64?
    public var elements: [RuleElement]
    public var counters: Counters?
    public var comment: String?
    /// Evidence text: the `iptables-save` line for x_tables (`-A FORWARD -i virbr0 -j ACCEPT`), or nft
    /// syntax rendered from the elements for nf_tables (with the handle to find it: `nft -a list`).
    public var text: String

    public init(position: Int, handle: UInt64? = nil, elements: [RuleElement], counters: Counters? = nil,
                comment: String? = nil, text: String) {
        self.position = position
        self.handle = handle
        self.elements = elements
        self.counters = counters
        self.comment = comment
        self.text = text
    }

    /// True when the rule holds an element the decoder did not understand.
    public var hasUnknown: Bool {
        elements.contains { if case .unknown = $0 { return true } else { return false } }
    }
}

public enum RuleElement: Codable, Equatable, Sendable, Hashable {
    case match(Match)
    case action(Action)
    /// Something no decoder understood; `text` is its original form. The evaluator answers "unknown"
    /// when the packet's fate depends on it.
    case unknown(UnknownElement)
}

public struct UnknownElement: Codable, Equatable, Sendable, Hashable {
    /// `match`, `target`, `expression` or `statement`.
    public var kind: String
    /// Extension or expression name (`limit`, `hashlimit`, `xt:recent`, `fib`...).
    public var name: String
    /// Original text or an opaque dump (hex for binary blobs).
    public var text: String
    /// false when the element can never change a verdict (e.g. a non-terminal statement we do not
    /// model); true when it may (a match, a terminal target).
    public var mayAffectVerdict: Bool

    public init(kind: String, name: String, text: String, mayAffectVerdict: Bool) {
        self.kind = kind
        self.name = name
        self.text = text
        self.mayAffectVerdict = mayAffectVerdict
    }
}

/// A packet property tested by a rule, named like nft selectors (`ip.saddr`, `meta.iifname`,
/// `tcp.dport`, `ct.state`). Open-ended so a decoder can name what it saw; the evaluator knows a
/// fixed list and treats the rest as unknown.
public struct MatchField: RawRepresentable, Codable, Equatable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public var description: String { rawValue }

    public init(from decoder: Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public static let iifname = MatchField("meta.iifname")
    public static let oifname = MatchField("meta.oifname")
    /// Protocol number of the transport header (6 tcp, 17 udp, 1 icmp, 58 icmpv6).
    public static let l4proto = MatchField("meta.l4proto")
    /// Layer-3 family in inet/bridge tables: 2 (ipv4) or 10 (ipv6).
    public static let nfproto = MatchField("meta.nfproto")
    public static let mark = MatchField("meta.mark")
    public static let pkttype = MatchField("meta.pkttype")
    public static let ipSaddr = MatchField("ip.saddr")
    public static let ipDaddr = MatchField("ip.daddr")
    public static let ip6Saddr = MatchField("ip6.saddr")
    public static let ip6Daddr = MatchField("ip6.daddr")
    public static let tcpSport = MatchField("tcp.sport")
    public static let tcpDport = MatchField("tcp.dport")
    public static let tcpFlags = MatchField("tcp.flags")
    public static let udpSport = MatchField("udp.sport")
    public static let udpDport = MatchField("udp.dport")
    /// Transport ports of whatever l4 protocol (`th sport`, multiport without -p is not allowed).
    public static let thSport = MatchField("th.sport")
    public static let thDport = MatchField("th.dport")
    public static let icmpType = MatchField("icmp.type")
    public static let icmpCode = MatchField("icmp.code")
    public static let icmpv6Type = MatchField("icmpv6.type")
    public static let icmpv6Code = MatchField("icmpv6.code")
    /// Values: new, established, related, invalid, untracked.
    public static let ctState = MatchField("ct.state")
    /// Values: expected, seen-reply, assured, confirmed, snat, dnat, dying.
    public static let ctStatus = MatchField("ct.status")
    public static let ctDirection = MatchField("ct.direction")
    public static let ctMark = MatchField("ct.mark")
    public static let ctOriginalSaddr = MatchField("ct.original.saddr")
    public static let ctOriginalDaddr = MatchField("ct.original.daddr")
    public static let ctReplySaddr = MatchField("ct.reply.saddr")
    public static let ctReplyDaddr = MatchField("ct.reply.daddr")
    public static let physdevIn = MatchField("physdev.in")
    public static let physdevOut = MatchField("physdev.out")
    public static let physdevIsIn = MatchField("physdev.is-in")
    public static let physdevIsOut = MatchField("physdev.is-out")
    public static let physdevIsBridged = MatchField("physdev.is-bridged")
    /// Values: local, unicast, broadcast, multicast, blackhole, unreachable, prohibit, anycast, nat, xresolve, unspec, throw.
    public static let srcAddrType = MatchField("addrtype.src")
    public static let dstAddrType = MatchField("addrtype.dst")
    public static let etherSaddr = MatchField("ether.saddr")
    public static let etherDaddr = MatchField("ether.daddr")
    /// IPv4 time to live and IPv6 hop limit (`ip ttl`, `-m ttl`; `ip6 hoplimit`, `-m hl`).
    public static let ipTTL = MatchField("ip.ttl")
    public static let ip6HopLimit = MatchField("ip6.hoplimit")
    /// The 6-bit DSCP of the traffic class (`ip dscp`, `ip6 dscp`, `-m dscp`), values 0-63.
    public static let ipDSCP = MatchField("ip.dscp")
    public static let ip6DSCP = MatchField("ip6.dscp")
    /// Bytes from the network header on (`meta length`, `-m length`): the IP packet's total length.
    public static let length = MatchField("meta.length")
    /// The IPv6 routing header's type (`rt type`, `-m rt --rt-type`); `ip6.rt.*` names its other fields.
    /// Only packets that carry a routing header can match any of them.
    public static let ip6RoutingType = MatchField("ip6.rt.type")

    /// An nft `fib` lookup: `flags` of the lookup key (`saddr`, `daddr`, `mark`, `iif`, `oif`) and
    /// the `result` read (`oif`, `oifname`, `type`). `fib saddr . iif oif` is `fib.saddr.iif.oif`.
    public static func fib(flags: [String], result: String) -> MatchField {
        MatchField((["fib"] + flags + [result]).joined(separator: "."))
    }

    /// The key flags and result of a `fib` field; nil for any other field.
    public var fibParts: (flags: [String], result: String)? {
        guard rawValue.hasPrefix("fib.") else { return nil }
        let parts = rawValue.split(separator: ".").dropFirst().map(String.init)
        guard let result = parts.last, parts.count >= 2 else { return nil }
        return (Array(parts.dropLast()), result)
    }
}

public enum MatchOp: String, Codable, Sendable, Hashable {
    case eq, ne, lt, gt, le, ge
}

public struct Match: Codable, Equatable, Sendable, Hashable {
    public var field: MatchField
    public var op: MatchOp
    public var value: MatchValue

    public init(_ field: MatchField, _ op: MatchOp = .eq, _ value: MatchValue) {
        self.field = field
        self.op = op
        self.value = value
    }
}

public enum MatchValue: Codable, Equatable, Sendable, Hashable {
    case string(String)
    /// Interface-name wildcard: iptables `virbr+`, nft `"virbr*"`; matches names starting with `prefix`.
    case wildcard(prefix: String)
    case integer(UInt64)
    /// Inclusive range (ports, marks).
    case range(low: UInt64, high: UInt64)
    /// value & mask == value (marks: `0x1/0xff`).
    case maskedInteger(value: UInt64, mask: UInt64)
    /// An address prefix; a single address is a full-length prefix.
    case prefix(IPPrefix)
    indirect case addressRange(low: IPAddress, high: IPAddress)
    case mac(String)
    case bool(Bool)
    /// A named constant (`local` for addrtype, `original` for ct direction, `host` for pkttype).
    case symbol(String)
    /// Flag fields (ct state, ct status): `eq` = any of these set; `ne` = none of them.
    case flags([String])
    /// TCP flags: of the `mask` flags, exactly `set` are set (`--tcp-flags SYN,RST,ACK,FIN SYN`).
    case flagsMasked(mask: [String], set: [String])
    /// Anonymous set: `eq` = member, `ne` = not a member.
    case set([MatchValue])
    /// Reference to a named set of the same table (`@name`).
    case namedSet(String)
    /// Concatenated key (`ip daddr . tcp dport`).
    case concat([MatchValue])
}

public struct PortRange: Codable, Equatable, Sendable, Hashable {
    public var low: Int
    public var high: Int
    public init(low: Int, high: Int) {
        self.low = low
        self.high = high
    }
}

public struct AddressRange: Codable, Equatable, Sendable, Hashable {
    public var low: IPAddress
    public var high: IPAddress
    public init(low: IPAddress, high: IPAddress) {
        self.low = low
        self.high = high
    }
}

public struct VerdictMapEntry: Codable, Equatable, Sendable, Hashable {
    public var key: MatchValue
    public var verdict: Action
    public init(key: MatchValue, verdict: Action) {
        self.key = key
        self.verdict = verdict
    }
}

public enum Action: Codable, Equatable, Sendable, Hashable {
    case accept
    case drop
    /// `with` is the reply kind: `icmp-port-unreachable`, `tcp-reset`, `icmp6-adm-prohibited`...
    case reject(with: String?)
    case `return`
    case jump(String)
    case goto(String)
    /// nft `continue`.
    case `continue`
    case queue(String?)
    case masquerade(ports: PortRange?, flags: [String])
    indirect case snat(addresses: AddressRange?, ports: PortRange?, flags: [String])
    indirect case dnat(addresses: AddressRange?, ports: PortRange?, flags: [String])
    case redirect(ports: PortRange?, flags: [String])
    /// `KEY vmap { ... }` or `KEY vmap @name`: the verdict looked up by the packet's key.
    indirect case verdictMap(key: [MatchField], entries: [VerdictMapEntry], namedMap: String?)
    case counter
    case log(prefix: String?)
    case setMark(value: UInt64, mask: UInt64?)
    case setCtMark(value: UInt64, mask: UInt64?)
    case notrack
    /// Another non-terminal statement that cannot change the packet's fate or addresses
    /// (`CHECKSUM --checksum-fill`, `TCPMSS`, `limit`-free logging...), kept by name.
    indirect case statement(name: String, detail: String)

    /// Ends the walk of the current base chain (accept) or of all chains (drop/reject/queue).
    public var isTerminal: Bool {
        switch self {
        case .accept, .drop, .reject, .queue, .masquerade, .snat, .dnat, .redirect: return true
        default: return false
        }
    }
}

/// A named nf_tables set or map.
public struct NamedSet: Codable, Equatable, Sendable, Hashable {
    public var name: String
    public var handle: UInt64?
    /// Key type(s): `ipv4_addr`, `inet_service`, `ifname`; several for a concatenation.
    public var keyType: [String]
    /// Map data type (`verdict`, `ipv4_addr`...), nil for a plain set.
    public var mapType: String?
    /// `constant`, `interval`, `timeout`, `dynamic`.
    public var flags: [String]
    public var elements: [SetElement]

    public init(name: String, handle: UInt64? = nil, keyType: [String], mapType: String? = nil,
                flags: [String] = [], elements: [SetElement] = []) {
        self.name = name
        self.handle = handle
        self.keyType = keyType
        self.mapType = mapType
        self.flags = flags
        self.elements = elements
    }
}

public struct SetElement: Codable, Equatable, Sendable, Hashable {
    public var key: MatchValue
    /// Map data, for data maps.
    public var data: MatchValue?
    /// Map verdict, for verdict maps.
    public var verdict: Action?

    public init(key: MatchValue, data: MatchValue? = nil, verdict: Action? = nil) {
        self.key = key
        self.data = data
        self.verdict = verdict
    }
}
