/// nft's symbolic constants (protocol names, ICMP types, conntrack bits...) with their numbers, so
/// both decoders turn `"tcp"` from JSON and `6` from netlink into the same model value.
enum NftSymbols {
    /// A bidirectional name <-> number table.
    struct Table: Sendable {
        let pairs: [(String, UInt64)]
        func number(_ name: String) -> UInt64? { pairs.first { $0.0 == name }?.1 }
        func name(_ number: UInt64) -> String? { pairs.first { $0.1 == number }?.0 }
    }

    static let inetProtocols = Table(pairs: [
        ("hopopt", 0), ("icmp", 1), ("igmp", 2), ("ggp", 3), ("ipencap", 4), ("st", 5), ("tcp", 6),
        ("egp", 8), ("igp", 9), ("pup", 12), ("udp", 17), ("hmp", 20), ("xns-idp", 22), ("rdp", 27),
        ("iso-tp4", 29), ("dccp", 33), ("xtp", 36), ("ddp", 37), ("idpr-cmtp", 38), ("ipv6", 41),
        ("ipv6-route", 43), ("ipv6-frag", 44), ("idrp", 45), ("rsvp", 46), ("gre", 47), ("esp", 50),
        ("ah", 51), ("skip", 57), ("ipv6-icmp", 58), ("ipv6-nonxt", 59), ("ipv6-opts", 60),
        ("rspf", 73), ("vmtp", 81), ("eigrp", 88), ("ospf", 89), ("ax.25", 93), ("ipip", 94),
        ("etherip", 97), ("encap", 98), ("pim", 103), ("ipcomp", 108), ("vrrp", 112), ("l2tp", 115),
        ("isis", 124), ("sctp", 132), ("fc", 133), ("mobility-header", 135), ("udplite", 136),
        ("mpls-in-ip", 137), ("manet", 138), ("hip", 139), ("shim6", 140), ("wesp", 141), ("rohc", 142),
        ("ethernet", 143),
    ])

    static let nfprotos = Table(pairs: [("ipv4", 2), ("ipv6", 10)])

    static let etherTypes = Table(pairs: [
        ("ip", 0x0800), ("arp", 0x0806), ("ip6", 0x86dd), ("vlan", 0x8100), ("8021ad", 0x88a8),
    ])

    static let arpOperations = Table(pairs: [
        ("request", 1), ("reply", 2), ("rrequest", 3), ("rreply", 4), ("inrequest", 8), ("inreply", 9),
        ("nak", 10),
    ])

    static let icmpTypes = Table(pairs: [
        ("echo-reply", 0), ("destination-unreachable", 3), ("source-quench", 4), ("redirect", 5),
        ("echo-request", 8), ("router-advertisement", 9), ("router-solicitation", 10), ("time-exceeded", 11),
        ("parameter-problem", 12), ("timestamp-request", 13), ("timestamp-reply", 14), ("info-request", 15),
        ("info-reply", 16), ("address-mask-request", 17), ("address-mask-reply", 18),
    ])

    static let icmpv6Types = Table(pairs: [
        ("destination-unreachable", 1), ("packet-too-big", 2), ("time-exceeded", 3), ("parameter-problem", 4),
        ("echo-request", 128), ("echo-reply", 129), ("mld-listener-query", 130), ("mld-listener-report", 131),
        ("mld-listener-done", 132), ("mld-listener-reduction", 132), ("nd-router-solicit", 133),
        ("nd-router-advert", 134), ("nd-neighbor-solicit", 135), ("nd-neighbor-advert", 136), ("nd-redirect", 137),
        ("router-renumbering", 138), ("ind-neighbor-solicit", 141), ("ind-neighbor-advert", 142),
        ("mld2-listener-report", 143),
    ])

    static let icmpCodes = Table(pairs: [
        ("net-unreachable", 0), ("host-unreachable", 1), ("prot-unreachable", 2), ("port-unreachable", 3),
        ("frag-needed", 4), ("net-prohibited", 9), ("host-prohibited", 10), ("admin-prohibited", 13),
    ])

    static let icmpv6Codes = Table(pairs: [
        ("no-route", 0), ("admin-prohibited", 1), ("addr-unreachable", 3), ("port-unreachable", 4),
        ("policy-fail", 5), ("reject-route", 6),
    ])

    static let icmpxCodes = Table(pairs: [
        ("no-route", 0), ("port-unreachable", 1), ("host-unreachable", 2), ("admin-prohibited", 3),
    ])

    static let ctStateBits = Table(pairs: [
        ("invalid", 1), ("established", 2), ("related", 4), ("new", 8), ("untracked", 64),
    ])

    static let ctStatusBits = Table(pairs: [
        ("expected", 1), ("seen-reply", 2), ("assured", 4), ("confirmed", 8), ("snat", 16), ("dnat", 32),
        ("dying", 512),
    ])

    static let tcpFlagBits = Table(pairs: [
        ("fin", 0x01), ("syn", 0x02), ("rst", 0x04), ("psh", 0x08), ("ack", 0x10), ("urg", 0x20),
        ("ecn", 0x40), ("cwr", 0x80),
    ])

    static let ctDirections = Table(pairs: [("original", 0), ("reply", 1)])

    /// DSCP class names nft prints (`ip dscp cs1`); the first name of a number is the one printed.
    static let dscpClasses = Table(pairs: [
        ("cs0", 0), ("lephb", 1), ("cs1", 8), ("af11", 10), ("af12", 12), ("af13", 14), ("cs2", 16), ("af21", 18),
        ("af22", 20), ("af23", 22), ("cs3", 24), ("af31", 26), ("af32", 28), ("af33", 30), ("cs4", 32), ("af41", 34),
        ("af42", 36), ("af43", 38), ("cs5", 40), ("va", 44), ("ef", 46), ("cs6", 48), ("cs7", 56), ("df", 0), ("be", 0),
    ])

    /// Route types (RTN_*) as `fib ... type` names them.
    static let routeTypes = Table(pairs: [
        ("unspec", 0), ("unicast", 1), ("local", 2), ("broadcast", 3), ("anycast", 4), ("multicast", 5),
        ("blackhole", 6), ("unreachable", 7), ("prohibit", 8),
    ])

    static let packetTypes = Table(pairs: [("host", 0), ("broadcast", 1), ("multicast", 2), ("other", 3)])

    /// Names of the bits set in `value`, sorted; bits without a name are spelled in hex.
    static func flagNames(_ value: UInt64, _ table: Table) -> [String] {
        var names: [String] = []
        var rest = value
        for (name, bit) in table.pairs where value & bit == bit && bit != 0 {
            names.append(name)
            rest &= ~bit
        }
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        return names.sorted()
    }
}

/// Names of packet header values as nft spells them, for callers that describe a packet (`explain`).
public enum PacketValueNames {
    /// A DSCP class name (`cs1`, `af41`, `ef`, any case) as its number.
    public static func dscp(named name: String) -> UInt8? {
        NftSymbols.dscpClasses.number(name.lowercased()).flatMap { UInt8(exactly: $0) }
    }

    /// The TCP flag names: fin, syn, rst, psh, ack, urg, ecn, cwr.
    public static let tcpFlags: [String] = NftSymbols.tcpFlagBits.pairs.map(\.0)
}
