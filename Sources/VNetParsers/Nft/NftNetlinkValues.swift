import VNetModel

/// Register and set-element bytes -> model values, typed by the selector or the set's key type the
/// same way the JSON decoder types nft's printed values.
struct NftNetlinkValues {
    /// Interface names by index, from the link dump kept with the nf_tables dump (iif/oif matches).
    let interfaceNames: [UInt32: String]

    /// Big-endian types (network order on the wire); the rest are host order.
    static func isBigEndian(_ type: NftDatatype) -> Bool {
        switch type {
        case .inetService, .etherType, .arpOperation, .ipv4Address, .ipv6Address, .etherAddress: return true
        case .integer(let be): return be
        default: return false
        }
    }

    static func number(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> UInt64 {
        var n: UInt64 = 0
        if bigEndian {
            for b in bytes.prefix(8) { n = n << 8 | UInt64(b) }
        } else {
            for (i, b) in bytes.prefix(8).enumerated() { n |= UInt64(b) << (8 * UInt64(i)) }
        }
        return n
    }

    /// A whole value of `type` (addresses as full-length or `bits`-long prefixes).
    func value(_ bytes: ArraySlice<UInt8>, type: NftDatatype, prefixBits: Int? = nil) -> MatchValue {
        if let family = type.addressFamily {
            let width = family == .ipv4 ? 4 : 16
            var full = Array(bytes.prefix(width))
            full += [UInt8](repeating: 0, count: width - full.count)
            let address = IPAddress(bytes: full)!
            return .prefix(IPPrefix(address, length: prefixBits ?? address.bitWidth))
        }
        switch type {
        case .interfaceName, .string:
            if let nul = bytes.firstIndex(of: 0) {
                return .string(String(decoding: bytes[bytes.startIndex..<nul], as: UTF8.self))
            }
            let text = String(decoding: bytes, as: UTF8.self)
            return type == .interfaceName ? .wildcard(prefix: text) : .string(text)
        case .interfaceIndex:
            let index = UInt32(truncatingIfNeeded: Self.number(bytes, bigEndian: false))
            return interfaceNames[index].map { .string($0) } ?? .integer(UInt64(index))
        case .etherAddress:
            return .mac(bytes.prefix(6).map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined(separator: ":"))
        default:
            return type.value(ofNumber: Self.number(bytes, bigEndian: Self.isBigEndian(type)))
        }
    }

    /// Natural byte size of a datatype inside a set key (before 4-byte register padding).
    static func size(of type: NftDatatype) -> Int {
        switch type {
        case .ipv4Address, .mark, .ctState, .ctStatus, .interfaceIndex, .integer, .fibAddressType: return 4
        case .ipv6Address, .interfaceName, .string: return 16
        case .etherAddress: return 6
        case .inetService, .etherType, .arpOperation: return 2
        case .nfproto, .inetProtocol, .icmpType, .icmpCode, .icmpv6Type, .icmpv6Code, .tcpFlags, .ctDirection, .packetType,
             .dscp, .boolean:
            return 1
        case .verdict, .other: return 4
        }
    }
}
