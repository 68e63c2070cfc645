import VNetModel

/// How nft interprets the bytes of a key, a set element or a map value (nftables `datatype.h`).
/// Both decoders pick the datatype from the same place (the selector or the set's key type) so a
/// value reads the same whether it came as JSON text or as netlink bytes.
enum NftDatatype: Equatable, Sendable {
    case verdict
    case nfproto
    case integer(bigEndian: Bool)
    case string
    case ipv4Address
    case ipv6Address
    case etherAddress
    case etherType
    case arpOperation
    case inetProtocol
    case inetService
    case icmpType
    case icmpCode
    case icmpv6Type
    case icmpv6Code
    case tcpFlags
    case mark
    case interfaceIndex
    case interfaceName
    case ctState
    case ctDirection
    case ctStatus
    case packetType
    /// The 6-bit DSCP (`cs1`, `ef`...), kept as its number.
    case dscp
    /// The route type a `fib ... type` lookup gives (`local`, `broadcast`...).
    case fibAddressType
    /// `exists` / `missing` of a `fib ... oif` presence test.
    case boolean
    /// A datatype this decoder does not interpret: values are kept as integers (or hex).
    case other(id: UInt32, name: String)

    /// nft's datatype numbers (enum datatypes), used in set key/data types and concatenations.
    static func fromID(_ id: UInt32) -> NftDatatype {
        switch id {
        case 1: return .verdict
        case 2: return .nfproto
        case 4: return .integer(bigEndian: false)
        case 5: return .string
        case 7: return .ipv4Address
        case 8: return .ipv6Address
        case 9: return .etherAddress
        case 10: return .etherType
        case 11: return .arpOperation
        case 12: return .inetProtocol
        case 13: return .inetService
        case 14: return .icmpType
        case 15: return .tcpFlags
        case 19: return .mark
        case 20: return .interfaceIndex
        case 26: return .ctState
        case 27: return .ctDirection
        case 28: return .ctStatus
        case 29: return .icmpv6Type
        case 31: return .packetType
        case 32: return .icmpCode
        case 33: return .icmpv6Code
        case 36: return .dscp
        case 38: return .fibAddressType
        case 39: return .boolean
        case 41: return .interfaceName
        default: return .other(id: id, name: otherNames[id] ?? "type\(id)")
        }
    }

    /// Names nft prints for datatypes (set `type`), including ones this decoder only carries along.
    private static let otherNames: [UInt32: String] = [
        3: "bitmask", 6: "ll_addr", 16: "dccp_pkttype", 17: "mh_type", 18: "time", 21: "iface_type",
        22: "realm", 23: "classid", 24: "uid", 25: "gid", 30: "ct_label", 34: "icmpx_code",
        35: "devgroup", 37: "ecn", 40: "ct_event",
        42: "igmp_type", 43: "day", 44: "hour", 45: "time", 46: "cgroupsv2",
    ]

    var name: String {
        switch self {
        case .verdict: return "verdict"
        case .nfproto: return "nf_proto"
        case .integer: return "integer"
        case .string: return "string"
        case .ipv4Address: return "ipv4_addr"
        case .ipv6Address: return "ipv6_addr"
        case .etherAddress: return "ether_addr"
        case .etherType: return "ether_type"
        case .arpOperation: return "arp_op"
        case .inetProtocol: return "inet_proto"
        case .inetService: return "inet_service"
        case .icmpType: return "icmp_type"
        case .icmpCode: return "icmp_code"
        case .icmpv6Type: return "icmpv6_type"
        case .icmpv6Code: return "icmpv6_code"
        case .tcpFlags: return "tcp_flag"
        case .mark: return "mark"
        case .interfaceIndex: return "iface_index"
        case .interfaceName: return "ifname"
        case .ctState: return "ct_state"
        case .ctDirection: return "ct_dir"
        case .ctStatus: return "ct_status"
        case .packetType: return "pkt_type"
        case .dscp: return "dscp"
        case .fibAddressType: return "fib_addrtype"
        case .boolean: return "boolean"
        case .other(_, let name): return name
        }
    }

    /// Set key types of a concatenation, outermost first: nft packs them 6 bits each.
    static func concatenation(_ packed: UInt32) -> [NftDatatype] {
        if packed < 64 { return [fromID(packed)] }
        var parts: [NftDatatype] = []
        var rest = packed
        while rest != 0 {
            parts.insert(fromID(rest & 63), at: 0)
            rest >>= 6
        }
        return parts
    }

    /// Symbol table for types whose values nft prints by name.
    var symbols: NftSymbols.Table? {
        switch self {
        case .nfproto: return NftSymbols.nfprotos
        case .etherType: return NftSymbols.etherTypes
        case .arpOperation: return NftSymbols.arpOperations
        case .inetProtocol: return NftSymbols.inetProtocols
        case .icmpType: return NftSymbols.icmpTypes
        case .icmpCode: return NftSymbols.icmpCodes
        case .icmpv6Type: return NftSymbols.icmpv6Types
        case .icmpv6Code: return NftSymbols.icmpv6Codes
        case .ctDirection: return NftSymbols.ctDirections
        case .packetType: return NftSymbols.packetTypes
        case .dscp: return NftSymbols.dscpClasses
        case .fibAddressType: return NftSymbols.routeTypes
        default: return nil
        }
    }

    /// Bit tables of flag types (values are sets of flag names).
    var flagBits: NftSymbols.Table? {
        switch self {
        case .ctState: return NftSymbols.ctStateBits
        case .ctStatus: return NftSymbols.ctStatusBits
        case .tcpFlags: return NftSymbols.tcpFlagBits
        default: return nil
        }
    }

    /// Symbols the model keeps as names rather than numbers.
    var keepsSymbolNames: Bool { self == .ctDirection || self == .packetType || self == .fibAddressType }

    var addressFamily: AddressFamily? {
        switch self {
        case .ipv4Address: return .ipv4
        case .ipv6Address: return .ipv6
        default: return nil
        }
    }

    /// The model value of a number of this type (symbols, flags or a plain integer).
    func value(ofNumber number: UInt64) -> MatchValue {
        if let bits = flagBits { return .flags(NftSymbols.flagNames(number, bits)) }
        if self == .boolean { return .bool(number != 0) }
        if self == .other(id: 23, name: "classid") {  // tc class ids print as major:minor in hex
            return .symbol(String(number >> 16 & 0xffff, radix: 16) + ":" + String(number & 0xffff, radix: 16))
        }
        if keepsSymbolNames, let name = symbols?.name(number) { return .symbol(name) }
        return .integer(number)
    }
}
