import VNetModel

/// SNAT, DNAT, MASQUERADE and REDIRECT payloads, printed like libxt_NAT's __NAT_print.
///
/// Three layouts: `nf_nat_ipv4_multi_range_compat` (IPv4 revision 0: rangesize @0, flags @4,
/// min_ip @8, max_ip @12, min port @16, max port @18), `nf_nat_range` (IPv6 revision 0 and revision 1:
/// flags @0, min_addr @4, max_addr @20, min_proto @36, max_proto @38) and `nf_nat_range2`
/// (revision 2: adds base_proto @40). Ports are network order.
enum XtablesNATDecoder {
    private enum RangeFlag {
        static let mapIPs: UInt32 = 1, protoSpecified: UInt32 = 2, random: UInt32 = 4, persistent: UInt32 = 8
        static let randomFully: UInt32 = 16, protoOffset: UInt32 = 32
        static let known: UInt32 = 63
    }

    private struct Range {
        var flags: UInt32
        var minAddress: IPAddress, maxAddress: IPAddress
        var minPort: UInt16, maxPort: UInt16, basePort: UInt16
    }

    static func tokens(_ p: XtablesPayload, target: String, revision: UInt8, family: AddressFamily, into tokens: inout [String]) -> Bool {
        guard let range = decodeRange(p, revision: revision, family: family), range.flags & ~RangeFlag.known == 0 else { return false }
        tokens.append("-j")
        tokens.append(target)
        let (option, portsOnly): (String, Bool) = switch target {
        case "SNAT": ("--to-source", false)
        case "DNAT": ("--to-destination", false)
        default: ("--to-ports", true)
        }
        var text = rangeText(range, family: family)
        if portsOnly && text.hasPrefix(":") { text.removeFirst() }
        if !text.isEmpty {
            tokens.append(option)
            tokens.append(text)
        }
        if range.flags & RangeFlag.random != 0 { tokens.append("--random") }
        if range.flags & RangeFlag.randomFully != 0 { tokens.append("--random-fully") }
        if range.flags & RangeFlag.persistent != 0 { tokens.append("--persistent") }
        return true
    }

    private static func decodeRange(_ p: XtablesPayload, revision: UInt8, family: AddressFamily) -> Range? {
        if revision == 0 && family == .ipv4 {
            guard p.u32(0) == 1, let flags = p.u32(4), let minAddress = p.address(8, family: .ipv4),
                  let maxAddress = p.address(12, family: .ipv4), let minPort = p.be16(16), let maxPort = p.be16(18) else { return nil }
            return Range(flags: flags, minAddress: minAddress, maxAddress: maxAddress, minPort: minPort, maxPort: maxPort, basePort: 0)
        }
        guard let flags = p.u32(0), let minAddress = p.address(4, family: family), let maxAddress = p.address(20, family: family),
              let minPort = p.be16(36), let maxPort = p.be16(38) else { return nil }
        var basePort: UInt16 = 0
        if revision >= 2 {
            guard let base = p.be16(40) else { return nil }
            basePort = base
        }
        return Range(flags: flags, minAddress: minAddress, maxAddress: maxAddress, minPort: minPort, maxPort: maxPort, basePort: basePort)
    }

    /// `addr[-addr][:port[-port][/base]]`, IPv6 addresses in brackets when ports follow.
    private static func rangeText(_ r: Range, family: AddressFamily) -> String {
        var text = ""
        let brackets = family == .ipv6 && r.flags & RangeFlag.protoSpecified != 0
        if r.flags & RangeFlag.mapIPs != 0 {
            if brackets { text += "[" }
            text += XtablesAddressText.address(r.minAddress)
            if r.maxAddress != r.minAddress { text += "-" + XtablesAddressText.address(r.maxAddress) }
            if brackets { text += "]" }
        }
        if r.flags & RangeFlag.protoSpecified != 0 {
            text += ":" + String(r.minPort)
            if r.maxPort != r.minPort { text += "-" + String(r.maxPort) }
            if r.flags & RangeFlag.protoOffset != 0 { text += "/" + String(r.basePort) }
        }
        return text
    }
}
