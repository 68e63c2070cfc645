import VNetModel

/// Names iptables prints and accepts, with the numbers the kernel stores. One table per concept, used in
/// both directions: the binary decoder prints the names iptables-save would print, the text parser maps
/// every accepted spelling back to the number.
enum XtablesNames {
    /// IP protocol names as iptables-legacy-save prints them (netbase /etc/protocols, first name per
    /// number), so text made from libiptc matches the tool's output byte for byte.
    static let protocolNames: [(name: String, number: UInt8)] = [
        ("icmp", 1), ("igmp", 2), ("ggp", 3), ("ipencap", 4), ("st", 5), ("tcp", 6), ("egp", 8), ("igp", 9),
        ("pup", 12), ("udp", 17), ("hmp", 20), ("xns-idp", 22), ("rdp", 27), ("iso-tp4", 29), ("dccp", 33),
        ("xtp", 36), ("ddp", 37), ("idpr-cmtp", 38), ("ipv6", 41), ("ipv6-route", 43), ("ipv6-frag", 44),
        ("idrp", 45), ("rsvp", 46), ("gre", 47), ("esp", 50), ("ah", 51), ("skip", 57), ("ipv6-icmp", 58),
        ("ipv6-nonxt", 59), ("ipv6-opts", 60), ("rspf", 73), ("vmtp", 81), ("eigrp", 88), ("ospf", 89),
        ("ax.25", 93), ("ipip", 94), ("etherip", 97), ("encap", 98), ("pim", 103), ("ipcomp", 108),
        ("vrrp", 112), ("l2tp", 115), ("isis", 124), ("sctp", 132), ("fc", 133), ("mobility-header", 135),
        ("udplite", 136), ("mpls-in-ip", 137), ("manet", 138), ("hip", 139), ("shim6", 140), ("wesp", 141),
        ("rohc", 142), ("ethernet", 143),
    ]

    /// Spellings iptables accepts besides the /etc/protocols names.
    private static let protocolAliases: [String: UInt8] = ["icmpv6": 58, "mh": 135, "ipv6-mh": 135]

    private static let protocolByNumber: [String?] = {
        var table = [String?](repeating: nil, count: 256)
        for entry in protocolNames where table[Int(entry.number)] == nil { table[Int(entry.number)] = entry.name }
        return table
    }()

    private static let protocolByName: [String: UInt8] = {
        var table = protocolAliases
        for entry in protocolNames { table[entry.name] = entry.number }
        return table
    }()

    /// The name iptables-save prints for a protocol number, or the number itself.
    static func protocolText(_ number: UInt16) -> String {
        number < 256 ? (protocolByNumber[Int(number)] ?? String(number)) : String(number)
    }

    /// Protocol number of a name or decimal number; 0 for `all`; nil when unknown.
    static func protocolNumber(_ text: String) -> UInt8? {
        switch text {
        case "tcp": return 6
        case "udp": return 17
        case "icmp": return 1
        default: break
        }
        if let n = UInt8(text) { return n }
        let lower = text.lowercased()
        if lower == "all" { return 0 }
        return protocolByName[lower]
    }

    /// TCP flag bits in the order iptables prints them.
    static let tcpFlags: [(name: String, bit: UInt8)] = [
        ("FIN", 0x01), ("SYN", 0x02), ("RST", 0x04), ("PSH", 0x08), ("ACK", 0x10), ("URG", 0x20),
    ]

    /// conntrack match state bits (XT_CONNTRACK_STATE_*, IP_CT_NUMBER = 5), in print order.
    static let ctStates: [(name: String, bit: UInt16)] = [
        ("INVALID", 1 << 0), ("NEW", 1 << 3), ("RELATED", 1 << 2), ("ESTABLISHED", 1 << 1),
        ("UNTRACKED", 1 << 8), ("SNAT", 1 << 6), ("DNAT", 1 << 7),
    ]

    /// The old `state` match (xt_state_info) has its own UNTRACKED bit and no SNAT/DNAT.
    static let legacyStates: [(name: String, bit: UInt16)] = [
        ("INVALID", 1 << 0), ("NEW", 1 << 3), ("RELATED", 1 << 2), ("ESTABLISHED", 1 << 1), ("UNTRACKED", 1 << 6),
    ]

    /// conntrack status bits (IPS_*), in print order.
    static let ctStatuses: [(name: String, bit: UInt16)] = [
        ("EXPECTED", 1 << 0), ("SEEN_REPLY", 1 << 1), ("ASSURED", 1 << 2), ("CONFIRMED", 1 << 3),
    ]

    /// addrtype route types, bit i = 1 << i (XT_ADDRTYPE_*).
    static let addressTypes = [
        "UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE",
        "PROHIBIT", "THROW", "NAT", "XRESOLVE",
    ]

    /// pkttype values (PACKET_*): the printed name first, then aliases; others print as numbers.
    static let packetTypes: [(name: String, value: Int32)] = [
        ("unicast", 0), ("broadcast", 1), ("multicast", 2), ("bcast", 1), ("mcast", 2), ("host", 0),
    ]

    /// IPv4 REJECT replies, indexed by `enum ipt_reject_with`; nil where iptables has no name.
    static let rejectWithIPv4: [String?] = [
        "icmp-net-unreachable", "icmp-host-unreachable", "icmp-proto-unreachable", "icmp-port-unreachable",
        nil, "icmp-net-prohibited", "icmp-host-prohibited", "tcp-reset", "icmp-admin-prohibited",
    ]
    /// Short spellings iptables accepts for IPv4 REJECT replies.
    static let rejectAliasesIPv4: [String: String] = [
        "net-unreach": "icmp-net-unreachable", "host-unreach": "icmp-host-unreachable",
        "proto-unreach": "icmp-proto-unreachable", "port-unreach": "icmp-port-unreachable",
        "net-prohib": "icmp-net-prohibited", "host-prohib": "icmp-host-prohibited", "tcp-rst": "tcp-reset",
        "admin-prohib": "icmp-admin-prohibited",
    ]

    /// IPv6 REJECT replies, indexed by `enum ip6t_reject_with`.
    static let rejectWithIPv6: [String?] = [
        "icmp6-no-route", "icmp6-adm-prohibited", nil, "icmp6-addr-unreachable", "icmp6-port-unreachable",
        nil, "tcp-reset", "icmp6-policy-fail", "icmp6-reject-route",
    ]
    static let rejectAliasesIPv6: [String: String] = [
        "no-route": "icmp6-no-route", "adm-prohibited": "icmp6-adm-prohibited",
        "addr-unreach": "icmp6-addr-unreachable", "port-unreach": "icmp6-port-unreachable",
        "tcp-rst": "tcp-reset", "policy-fail": "icmp6-policy-fail", "reject-route": "icmp6-reject-route",
    ]

    /// Canonical REJECT reply name for any accepted spelling; nil when unknown.
    static func rejectWith(_ text: String, family: AddressFamily) -> String? {
        let (names, aliases) = family == .ipv4 ? (rejectWithIPv4, rejectAliasesIPv4) : (rejectWithIPv6, rejectAliasesIPv6)
        if names.contains(text) { return text }
        return aliases[text]
    }

    static func defaultRejectWith(_ family: AddressFamily) -> String {
        family == .ipv4 ? "icmp-port-unreachable" : "icmp6-port-unreachable"
    }

    /// ICMP type names (libxt_icmp.h): type and code; code nil means any code.
    static let icmpTypes: [String: (type: UInt8, code: UInt8?)] = [
        "echo-reply": (0, nil), "pong": (0, nil), "destination-unreachable": (3, nil),
        "network-unreachable": (3, 0), "host-unreachable": (3, 1), "protocol-unreachable": (3, 2),
        "port-unreachable": (3, 3), "fragmentation-needed": (3, 4), "source-route-failed": (3, 5),
        "network-unknown": (3, 6), "host-unknown": (3, 7), "network-prohibited": (3, 9),
        "host-prohibited": (3, 10), "tos-network-unreachable": (3, 11), "tos-host-unreachable": (3, 12),
        "communication-prohibited": (3, 13), "host-precedence-violation": (3, 14), "precedence-cutoff": (3, 15),
        "source-quench": (4, nil), "redirect": (5, nil), "network-redirect": (5, 0), "host-redirect": (5, 1),
        "tos-network-redirect": (5, 2), "tos-host-redirect": (5, 3), "echo-request": (8, nil), "ping": (8, nil),
        "router-advertisement": (9, nil), "router-solicitation": (10, nil), "time-exceeded": (11, nil),
        "ttl-exceeded": (11, nil), "ttl-zero-during-transit": (11, 0), "ttl-zero-during-reassembly": (11, 1),
        "parameter-problem": (12, nil), "ip-header-bad": (12, 0), "required-option-missing": (12, 1),
        "timestamp-request": (13, nil), "timestamp-reply": (14, nil), "address-mask-request": (17, nil),
        "address-mask-reply": (18, nil),
    ]

    /// ICMPv6 type names (libip6t_icmp6.c).
    static let icmpv6Types: [String: (type: UInt8, code: UInt8?)] = [
        "destination-unreachable": (1, nil), "no-route": (1, 0), "communication-prohibited": (1, 1),
        "beyond-scope": (1, 2), "address-unreachable": (1, 3), "port-unreachable": (1, 4),
        "failed-policy": (1, 5), "reject-route": (1, 6), "packet-too-big": (2, nil), "time-exceeded": (3, nil),
        "ttl-exceeded": (3, nil), "ttl-zero-during-transit": (3, 0), "ttl-zero-during-reassembly": (3, 1),
        "parameter-problem": (4, nil), "bad-header": (4, 0), "unknown-header-type": (4, 1),
        "unknown-option": (4, 2), "echo-request": (128, nil), "ping": (128, nil), "echo-reply": (129, nil),
        "pong": (129, nil), "mld-listener-query": (130, nil), "mld-listener-report": (131, nil),
        "mld-listener-done": (132, nil), "mld-listener-reduction": (132, nil), "router-solicitation": (133, nil),
        "router-advertisement": (134, nil), "neighbour-solicitation": (135, nil),
        "neighbor-solicitation": (135, nil), "neighbour-advertisement": (136, nil),
        "neighbor-advertisement": (136, nil), "redirect": (137, nil),
    ]

    /// limit and hashlimit rate units, largest first, in seconds.
    static let rateUnits: [(name: String, seconds: UInt64)] = [("day", 24 * 60 * 60), ("hour", 60 * 60), ("min", 60), ("sec", 1)]
}
