import VNetModel

/// A packet or conntrack property a rule loads and compares: its model field, how its value is
/// spelled, and how many bytes the whole field has (so shorter loads become prefixes).
struct NftSelector: Equatable, Sendable {
    var field: MatchField
    var type: NftDatatype
    /// Size of the complete field in bytes (4 for `ip saddr`, 16 for `meta iifname`).
    var length: Int

    /// Concatenations are named by their parts: `ip.daddr . meta.l4proto . th.dport`.
    static func concatenationField(_ parts: [NftSelector]) -> MatchField {
        MatchField(parts.map(\.field.rawValue).joined(separator: " . "))
    }
}

/// Payload bases as the kernel numbers them (NFT_PAYLOAD_*_HEADER) and nft spells them in raw form.
enum NftPayloadBase: UInt32, Sendable {
    case link = 0, network = 1, transport = 2, inner = 3

    var shortName: String {
        switch self {
        case .link: return "ll"
        case .network: return "nh"
        case .transport: return "th"
        case .inner: return "ih"
        }
    }

    init?(shortName: String) {
        switch shortName {
        case "ll": self = .link
        case "nh": self = .network
        case "th": self = .transport
        case "ih": self = .inner
        default: return nil
        }
    }
}

/// Header fields nft knows by name (`ip saddr`, `tcp dport`...), with where they sit.
struct NftHeaderField: Sendable {
    let proto: String
    let name: String
    let base: NftPayloadBase
    let offset: Int
    let length: Int
    let type: NftDatatype
    /// For a field narrower than its bytes (`ip dscp`): the mask over the loaded bytes (big-endian)
    /// and how far the value is shifted up in them.
    var bits: (mask: UInt64, shift: Int)? = nil

    var selector: NftSelector { NftSelector(field: MatchField("\(proto).\(name)"), type: type, length: length) }

    /// A bit field's value in the loaded bytes (network order); the whole number for other fields.
    func value(of bytes: [UInt8]) -> UInt64 {
        let loaded = NftNetlinkValues.number(bytes.prefix(length)[...], bigEndian: true)
        guard let bits else { return loaded }
        return (loaded & bits.mask) >> UInt64(bits.shift)
    }

    /// Every named header field this decoder understands.
    static let all: [NftHeaderField] = {
        var f: [NftHeaderField] = []
        func add(_ p: String, _ n: String, _ b: NftPayloadBase, _ o: Int, _ l: Int, _ t: NftDatatype) {
            f.append(NftHeaderField(proto: p, name: n, base: b, offset: o, length: l, type: t))
        }
        let be = NftDatatype.integer(bigEndian: true)
        add("ether", "daddr", .link, 0, 6, .etherAddress)
        add("ether", "saddr", .link, 6, 6, .etherAddress)
        add("ether", "type", .link, 12, 2, .etherType)
        add("arp", "htype", .network, 0, 2, be)
        add("arp", "ptype", .network, 2, 2, .etherType)
        add("arp", "hlen", .network, 4, 1, be)
        add("arp", "plen", .network, 5, 1, be)
        add("arp", "operation", .network, 6, 2, .arpOperation)
        f.append(NftHeaderField(proto: "ip", name: "dscp", base: .network, offset: 1, length: 1, type: .dscp, bits: (0xfc, 2)))
        f.append(NftHeaderField(proto: "ip6", name: "dscp", base: .network, offset: 0, length: 2, type: .dscp, bits: (0x0fc0, 6)))
        add("ip", "length", .network, 2, 2, be)
        add("ip", "id", .network, 4, 2, be)
        add("ip", "ttl", .network, 8, 1, be)
        add("ip", "protocol", .network, 9, 1, .inetProtocol)
        add("ip", "checksum", .network, 10, 2, be)
        add("ip", "saddr", .network, 12, 4, .ipv4Address)
        add("ip", "daddr", .network, 16, 4, .ipv4Address)
        add("ip6", "length", .network, 4, 2, be)
        add("ip6", "nexthdr", .network, 6, 1, .inetProtocol)
        add("ip6", "hoplimit", .network, 7, 1, be)
        add("ip6", "saddr", .network, 8, 16, .ipv6Address)
        add("ip6", "daddr", .network, 24, 16, .ipv6Address)
        for p in ["tcp", "udp", "udplite", "sctp", "dccp", "th"] {
            add(p, "sport", .transport, 0, 2, .inetService)
            add(p, "dport", .transport, 2, 2, .inetService)
        }
        add("tcp", "sequence", .transport, 4, 4, be)
        add("tcp", "ackseq", .transport, 8, 4, be)
        add("tcp", "flags", .transport, 13, 1, .tcpFlags)
        add("tcp", "window", .transport, 14, 2, be)
        add("tcp", "checksum", .transport, 16, 2, be)
        add("tcp", "urgptr", .transport, 18, 2, be)
        add("udp", "length", .transport, 4, 2, be)
        add("udp", "checksum", .transport, 6, 2, be)
        add("icmp", "type", .transport, 0, 1, .icmpType)
        add("icmp", "code", .transport, 1, 1, .icmpCode)
        add("icmp", "checksum", .transport, 2, 2, be)
        add("icmp", "id", .transport, 4, 2, be)
        add("icmp", "sequence", .transport, 6, 2, be)
        add("icmpv6", "type", .transport, 0, 1, .icmpv6Type)
        add("icmpv6", "code", .transport, 1, 1, .icmpv6Code)
        add("icmpv6", "checksum", .transport, 2, 2, be)
        add("icmpv6", "id", .transport, 4, 2, be)
        add("icmpv6", "sequence", .transport, 6, 2, be)
        return f
    }()

    static func named(_ proto: String, _ name: String) -> NftHeaderField? {
        all.first { $0.proto == proto && $0.name == name }
    }

    /// The field of `proto` a load at `offset` reads. Address fields may be loaded partly (a prefix).
    /// Bit fields are found by `bitField` once their mask is seen.
    static func at(_ proto: String, base: NftPayloadBase, offset: Int, length: Int) -> NftHeaderField? {
        all.first {
            $0.proto == proto && $0.base == base && $0.offset == offset && $0.bits == nil
                && ($0.length == length || ($0.type.addressFamily != nil && length < $0.length))
        }
    }

    /// The bit field of `proto` that a load of these bytes masked with `mask` (big-endian) reads.
    static func bitField(_ proto: String, base: NftPayloadBase, offset: Int, length: Int, mask: UInt64) -> NftHeaderField? {
        all.first { $0.proto == proto && $0.base == base && $0.offset == offset && $0.length == length && $0.bits?.mask == mask }
    }

    /// Adjacent whole fields one load covers exactly: nft merges `tcp sport 1 tcp dport 2` (or
    /// `icmp type 8 icmp code 0`) into one load and one comparison.
    static func sequence(_ proto: String, base: NftPayloadBase, offset: Int, length: Int) -> [NftHeaderField]? {
        var fields: [NftHeaderField] = []
        var at = offset
        while at < offset + length {
            guard let f = all.first(where: { $0.proto == proto && $0.base == base && $0.offset == at && $0.bits == nil
                && $0.length <= offset + length - at }) else { return nil }
            fields.append(f)
            at += f.length
        }
        return fields.count > 1 ? fields : nil
    }

    /// A header load nft has no name for: `@nh,96,8` (offset and length in bits).
    static func raw(base: NftPayloadBase, offsetBits: Int, lengthBits: Int) -> NftSelector {
        NftSelector(field: MatchField("@\(base.shortName),\(offsetBits),\(lengthBits)"),
                    type: .integer(bigEndian: true), length: (lengthBits + 7) / 8)
    }

    /// Transport protocol names by number: what a `meta l4proto` dependency makes transport loads.
    static func transportName(_ proto: UInt64) -> String? {
        switch proto {
        case 6: return "tcp"
        case 17: return "udp"
        case 136: return "udplite"
        case 132: return "sctp"
        case 33: return "dccp"
        case 1: return "icmp"
        case 58: return "icmpv6"
        default: return nil
        }
    }
}

/// `meta` keys (NFT_META_*): nft's name, and how the value is typed.
enum NftMetaKey {
    static let keys: [(number: UInt32, name: String, type: NftDatatype, length: Int)] = [
        (0, "length", .integer(bigEndian: false), 4), (1, "protocol", .etherType, 2),
        (2, "priority", .other(id: 23, name: "classid"), 4), (3, "mark", .mark, 4),
        (4, "iif", .interfaceIndex, 4), (5, "oif", .interfaceIndex, 4),
        (6, "iifname", .interfaceName, 16), (7, "oifname", .interfaceName, 16),
        (8, "iiftype", .integer(bigEndian: false), 2), (9, "oiftype", .integer(bigEndian: false), 2),
        (10, "skuid", .integer(bigEndian: false), 4), (11, "skgid", .integer(bigEndian: false), 4),
        (12, "nftrace", .integer(bigEndian: false), 1), (13, "rtclassid", .integer(bigEndian: false), 4),
        (14, "secmark", .integer(bigEndian: false), 4), (15, "nfproto", .nfproto, 1),
        (16, "l4proto", .inetProtocol, 1), (17, "ibrname", .interfaceName, 16),
        (18, "obrname", .interfaceName, 16), (19, "pkttype", .packetType, 1),
        (20, "cpu", .integer(bigEndian: false), 4), (21, "iifgroup", .integer(bigEndian: false), 4),
        (22, "oifgroup", .integer(bigEndian: false), 4), (23, "cgroup", .integer(bigEndian: false), 4),
        (24, "random", .integer(bigEndian: true), 4), (25, "ipsec", .integer(bigEndian: false), 1),
        (26, "iifkind", .interfaceName, 16), (27, "oifkind", .interfaceName, 16),
        (28, "ibrpvid", .integer(bigEndian: false), 2), (29, "ibrvproto", .etherType, 2),
        (30, "time", .integer(bigEndian: false), 8), (31, "day", .integer(bigEndian: false), 1),
        (32, "hour", .integer(bigEndian: false), 4), (33, "sdif", .interfaceIndex, 4),
        (34, "sdifname", .interfaceName, 16),
    ]

    static func selector(number: UInt32) -> NftSelector? {
        keys.first { $0.number == number }.map { NftSelector(field: MatchField("meta.\($0.name)"), type: $0.type, length: $0.length) }
    }

    static func selector(name: String) -> NftSelector? {
        keys.first { $0.name == name }.map { NftSelector(field: MatchField("meta.\($0.name)"), type: $0.type, length: $0.length) }
    }

    static func name(_ number: UInt32) -> String? { keys.first { $0.number == number }?.name }
    static func number(_ name: String) -> UInt32? { keys.first { $0.name == name }?.number }
}

/// Conntrack keys (NFT_CT_*): nft's name and value type. Address keys take the family of the table
/// (or the one nft names in JSON).
enum NftCtKey {
    static let keys: [(number: UInt32, name: String, type: NftDatatype?, length: Int)] = [
        (0, "state", .ctState, 4), (1, "direction", .ctDirection, 1), (2, "status", .ctStatus, 4),
        (3, "mark", .mark, 4), (4, "secmark", .integer(bigEndian: false), 4),
        (5, "expiration", .integer(bigEndian: false), 4), (6, "helper", .string, 16),
        (7, "l3proto", .nfproto, 1), (8, "saddr", nil, 16), (9, "daddr", nil, 16),
        (10, "protocol", .inetProtocol, 1), (11, "proto-src", .inetService, 2),
        (12, "proto-dst", .inetService, 2), (13, "label", .integer(bigEndian: false), 16),
        (14, "packets", .integer(bigEndian: false), 8), (15, "bytes", .integer(bigEndian: false), 8),
        (16, "avgpkt", .integer(bigEndian: false), 8), (17, "zone", .integer(bigEndian: false), 2),
        (18, "event", .integer(bigEndian: false), 4), (19, "saddr", .ipv4Address, 4),
        (20, "daddr", .ipv4Address, 4), (21, "saddr", .ipv6Address, 16), (22, "daddr", .ipv6Address, 16),
        (23, "id", .integer(bigEndian: true), 4),
    ]

    /// `direction` is `original`/`reply` or nil; `family` picks the address type of saddr/daddr.
    static func selector(number: UInt32, direction: String?, family: AddressFamily?) -> NftSelector? {
        guard let key = keys.first(where: { $0.number == number }) else { return nil }
        return make(name: key.name, type: key.type, length: key.length, direction: direction, family: family)
    }

    static func selector(name: String, direction: String?, family: AddressFamily?) -> NftSelector? {
        guard let key = keys.first(where: { $0.name == name }) else { return nil }
        return make(name: key.name, type: key.type, length: key.length, direction: direction, family: family)
    }

    private static func make(name: String, type: NftDatatype?, length: Int, direction: String?,
                             family: AddressFamily?) -> NftSelector {
        let field = MatchField(direction.map { "ct.\($0).\(name)" } ?? "ct.\(name)")
        if let type { return NftSelector(field: field, type: type, length: length) }
        switch family {
        case .ipv4: return NftSelector(field: field, type: .ipv4Address, length: 4)
        case .ipv6: return NftSelector(field: field, type: .ipv6Address, length: 16)
        case nil: return NftSelector(field: field, type: .integer(bigEndian: true), length: 16)
        }
    }
}

/// `fib` lookups: the model field names the key flags (in nft's order) and the result read.
enum NftFibKey {
    static func selector(result: String, flags: [String]) -> NftSelector? {
        let type: NftDatatype, length: Int
        switch result {
        case "oif": (type, length) = (.interfaceIndex, 4)
        case "oifname": (type, length) = (.interfaceName, 16)
        case "type": (type, length) = (.fibAddressType, 4)
        default: return nil
        }
        let ordered = NftKernel.Fib.keyFlags.map(\.name).filter(flags.contains)
        guard ordered.count == flags.count else { return nil }
        return NftSelector(field: .fib(flags: ordered, result: result), type: type, length: length)
    }

    /// The selector of a netlink `fib` expression; a presence test (`exists`/`missing`) is boolean.
    static func selector(result: UInt32, flags: UInt32) -> NftSelector? {
        typealias F = NftKernel.Fib
        guard let name = F.results.first(where: { $0.number == result })?.name else { return nil }
        guard var selector = selector(result: name, flags: F.keyFlags.filter { flags & $0.bit != 0 }.map(\.name)) else {
            return nil
        }
        if flags & F.flagPresent != 0 {
            selector.type = .boolean
            selector.length = 1
        }
        return selector
    }
}
