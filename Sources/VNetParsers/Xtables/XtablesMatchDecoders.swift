import VNetModel

/// Match payloads other than conntrack, each laid out as in its uapi header and printed as the
/// matching libxt_*.c save function prints it.
enum XtablesMatchDecoders {
    /// `struct xt_tcp`: spts[2] @0, dpts[2] @4, option @8, flg_mask @9, flg_cmp @10, invflags @11.
    static func tcp(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let sLow = p.u16(0), let sHigh = p.u16(2), let dLow = p.u16(4), let dHigh = p.u16(6),
              let option = p.u8(8), let flagMask = p.u8(9), let flagSet = p.u8(10), let invert = p.u8(11),
              flagMask & 0xc0 == 0, flagSet & 0xc0 == 0 else { return false }
        tokens.append("-m")
        tokens.append("tcp")
        appendPorts(&tokens, "--sport", sLow, sHigh, negated: invert & 0x01 != 0)
        appendPorts(&tokens, "--dport", dLow, dHigh, negated: invert & 0x02 != 0)
        if option != 0 || invert & 0x08 != 0 {
            if invert & 0x08 != 0 { tokens.append("!") }
            tokens += ["--tcp-option", String(option)]
        }
        if flagMask != 0 || invert & 0x04 != 0 {
            if invert & 0x04 != 0 { tokens.append("!") }
            tokens += ["--tcp-flags", tcpFlagText(flagMask), tcpFlagText(flagSet)]
        }
        return true
    }

    /// `struct xt_udp`: spts[2] @0, dpts[2] @4, invflags @8.
    static func udp(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let sLow = p.u16(0), let sHigh = p.u16(2), let dLow = p.u16(4), let dHigh = p.u16(6),
              let invert = p.u8(8) else { return false }
        tokens.append("-m")
        tokens.append("udp")
        appendPorts(&tokens, "--sport", sLow, sHigh, negated: invert & 0x01 != 0)
        appendPorts(&tokens, "--dport", dLow, dHigh, negated: invert & 0x02 != 0)
        return true
    }

    private static func appendPorts(_ tokens: inout [String], _ option: String, _ low: UInt16, _ high: UInt16, negated: Bool) {
        guard low != 0 || high != 0xffff else { return }
        if negated { tokens.append("!") }
        tokens.append(option)
        tokens.append(low == high ? String(low) : String(low) + ":" + String(high))
    }

    static func tcpFlagText(_ flags: UInt8) -> String {
        let names = XtablesNames.tcpFlags.filter { flags & $0.bit != 0 }.map(\.name)
        return names.isEmpty ? "NONE" : names.joined(separator: ",")
    }

    /// `struct ipt_icmp` / `struct ip6t_icmp`: type @0, code[2] @1, invflags @3.
    static func icmp(_ p: XtablesPayload, family: AddressFamily, into tokens: inout [String]) -> Bool {
        guard let type = p.u8(0), let codeLow = p.u8(1), let codeHigh = p.u8(2), let invert = p.u8(3) else { return false }
        tokens += family == .ipv4 ? ["-m", "icmp"] : ["-m", "icmp6"]
        if invert & 0x01 != 0 { tokens.append("!") }
        let option = family == .ipv4 ? "--icmp-type" : "--icmpv6-type"
        if family == .ipv4 && type == 0xff {
            tokens += [option, "any"]
        } else {
            let anyCode = codeLow == 0 && codeHigh == 0xff
            tokens += [option, anyCode ? String(type) : "\(type)/\(codeLow)"]
        }
        return true
    }

    /// `struct xt_multiport` (rev 0: flags @0, count @1, ports[15] @2) and `xt_multiport_v1`
    /// (adds pflags[15] @32, invert @47; a set pflag joins a port with the next into a range).
    static func multiport(_ p: XtablesPayload, withRanges: Bool, into tokens: inout [String]) -> Bool {
        guard let flags = p.u8(0), let count = p.u8(1), count <= 15, p.count >= (withRanges ? 48 : 32) else { return false }
        let option: String
        switch flags {
        case 0: option = "--sports"
        case 1: option = "--dports"
        case 2: option = "--ports"
        default: return false
        }
        tokens += ["-m", "multiport"]
        if withRanges, p.u8(47) != 0 { tokens.append("!") }
        var ports: [String] = []
        var i = 0
        while i < Int(count) {
            guard let port = p.u16(2 + 2 * i) else { return false }
            if withRanges, p.u8(32 + i) != 0 {
                guard i + 1 < Int(count), let high = p.u16(2 + 2 * (i + 1)) else { return false }
                ports.append("\(port):\(high)")
                i += 2
            } else {
                ports.append(String(port))
                i += 1
            }
        }
        tokens += [option, ports.joined(separator: ",")]
        return true
    }

    /// `struct xt_state_info`: statemask @0 (the old state match; new iptables stores `-m state` as
    /// conntrack with the state alias flag).
    static func state(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let mask = p.u32(0) else { return false }
        let names = XtablesNames.legacyStates.filter { mask & UInt32($0.bit) != 0 }.map(\.name)
        guard !names.isEmpty else { return false }
        tokens += ["-m", "state", "--state", names.joined(separator: ",")]
        return true
    }

    /// `struct xt_comment_info`: comment[256] @0.
    static func comment(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let text = p.cString(0, capacity: 256) else { return false }
        tokens += ["-m", "comment", "--comment", text]
        return true
    }

    /// `struct xt_physdev_info`: physindev[16] @0, in_mask @16, physoutdev[16] @32, out_mask @48,
    /// invert @64, bitmask @65 (IN 1, OUT 2, BRIDGED 4, ISIN 8, ISOUT 16).
    static func physdev(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let inName = p.cString(0, capacity: 16), let outName = p.cString(32, capacity: 16),
              let invert = p.u8(64), let bits = p.u8(65) else { return false }
        tokens += ["-m", "physdev"]
        func add(_ bit: UInt8, _ option: String, _ value: String? = nil) {
            guard bits & bit != 0 else { return }
            if invert & bit != 0 { tokens.append("!") }
            tokens.append(option)
            if let value { tokens.append(value) }
        }
        add(8, "--physdev-is-in")
        add(1, "--physdev-in", inName)
        add(16, "--physdev-is-out")
        add(2, "--physdev-out", outName)
        add(4, "--physdev-is-bridged")
        return true
    }

    static func addressTypeText(_ mask: UInt16) -> String {
        XtablesNames.addressTypes.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
            .joined(separator: ",")
    }

    /// `struct xt_addrtype_info`: source @0, dest @2, invert_source @4, invert_dest @8.
    static func addrtypeV0(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let source = p.u16(0), let dest = p.u16(2), let invertSource = p.u32(4), let invertDest = p.u32(8) else { return false }
        tokens += ["-m", "addrtype"]
        if source != 0 {
            if invertSource != 0 { tokens.append("!") }
            tokens += ["--src-type", addressTypeText(source)]
        }
        if dest != 0 {
            if invertDest != 0 { tokens.append("!") }
            tokens += ["--dst-type", addressTypeText(dest)]
        }
        return true
    }

    /// `struct xt_addrtype_info_v1`: source @0, dest @2, flags @4 (INVERT_SOURCE 1, INVERT_DEST 2,
    /// LIMIT_IFACE_IN 4, LIMIT_IFACE_OUT 8).
    static func addrtypeV1(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let source = p.u16(0), let dest = p.u16(2), let flags = p.u32(4) else { return false }
        tokens += ["-m", "addrtype"]
        if source != 0 {
            if flags & 1 != 0 { tokens.append("!") }
            tokens += ["--src-type", addressTypeText(source)]
        }
        if dest != 0 {
            if flags & 2 != 0 { tokens.append("!") }
            tokens += ["--dst-type", addressTypeText(dest)]
        }
        if flags & 4 != 0 { tokens.append("--limit-iface-in") }
        if flags & 8 != 0 { tokens.append("--limit-iface-out") }
        return true
    }

    /// `struct xt_mark_mtinfo1` / `xt_connmark_mtinfo1`: mark @0, mask @4, invert @8.
    static func mark(_ p: XtablesPayload, name: String, into tokens: inout [String]) -> Bool {
        guard let mark = p.u32(0), let mask = p.u32(4), let invert = p.u8(8) else { return false }
        tokens += ["-m", name]
        if invert != 0 { tokens.append("!") }
        tokens += ["--mark", markText(mark, mask)]
        return true
    }

    /// `0xV` or `0xV/0xM` as libxt_mark prints it (the mask only when not all ones).
    static func markText(_ value: UInt32, _ mask: UInt32) -> String {
        let v = "0x" + String(value, radix: 16)
        return mask == .max ? v : v + "/0x" + String(mask, radix: 16)
    }

    /// `struct xt_mac_info`: srcaddr[6] @0, invert (int) @8.
    static func mac(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard p.count >= 6, let invert = p.i32(8) else { return false }
        tokens += ["-m", "mac"]
        if invert != 0 { tokens.append("!") }
        let text = p.bytes[0..<6].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
        tokens += ["--mac-source", text]
        return true
    }

    /// `struct ipt_iprange_info` (rev 0): src {min,max} @0, dst {min,max} @8 (__be32), flags @16.
    static func iprangeV0(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let flags = p.u8(16), let srcMin = p.address(0, family: .ipv4), let srcMax = p.address(4, family: .ipv4),
              let dstMin = p.address(8, family: .ipv4), let dstMax = p.address(12, family: .ipv4) else { return false }
        return iprangeTokens(flags: flags, source: (srcMin, srcMax), destination: (dstMin, dstMax), into: &tokens)
    }

    /// `struct xt_iprange_mtinfo`: src_min @0, src_max @16, dst_min @32, dst_max @48 (nf_inet_addr),
    /// flags @64 (SRC 1, DST 2, SRC_INV 0x10, DST_INV 0x20).
    static func iprangeV1(_ p: XtablesPayload, family: AddressFamily, into tokens: inout [String]) -> Bool {
        guard let flags = p.u8(64), let srcMin = p.address(0, family: family), let srcMax = p.address(16, family: family),
              let dstMin = p.address(32, family: family), let dstMax = p.address(48, family: family) else { return false }
        return iprangeTokens(flags: flags, source: (srcMin, srcMax), destination: (dstMin, dstMax), into: &tokens)
    }

    private static func iprangeTokens(flags: UInt8, source: (IPAddress, IPAddress), destination: (IPAddress, IPAddress),
                                      into tokens: inout [String]) -> Bool {
        tokens += ["-m", "iprange"]
        if flags & 0x01 != 0 {
            if flags & 0x10 != 0 { tokens.append("!") }
            tokens += ["--src-range", XtablesAddressText.address(source.0) + "-" + XtablesAddressText.address(source.1)]
        }
        if flags & 0x02 != 0 {
            if flags & 0x20 != 0 { tokens.append("!") }
            tokens += ["--dst-range", XtablesAddressText.address(destination.0) + "-" + XtablesAddressText.address(destination.1)]
        }
        return true
    }

    /// `struct xt_rateinfo`: avg @0, burst @4 (the rest is kernel state).
    static func limit(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let average = p.u32(0), let burst = p.u32(4) else { return false }
        tokens += ["-m", "limit", "--limit", rateText(average)]
        if burst != 5 { tokens += ["--limit-burst", String(burst)] }
        return true
    }

    /// libxt_limit's print_rate (XT_LIMIT_SCALE, 10000 per second).
    static func rateText(_ period: UInt32) -> String { rate(UInt64(period), scale: 10000).text }

    /// print_rate of libxt_limit and libxt_hashlimit: the largest unit that still shows the rate as a
    /// whole number. `scale` is the kernel's units per second; `unitPeriod` the chosen unit in them.
    static func rate(_ period: UInt64, scale: UInt64) -> (text: String, unitPeriod: UInt64) {
        guard period != 0 else { return ("inf", 0) }
        let units = XtablesNames.rateUnits.map { (name: $0.name, period: $0.seconds * scale) }
        var i = 1
        while i < units.count {
            let mult = units[i].period
            if period > mult || mult / period < mult % period { break }
            i += 1
        }
        return ("\(units[i - 1].period / period)/\(units[i - 1].name)", units[i - 1].period)
    }

    /// `struct xt_pkttype_info`: pkttype (int) @0, invert (int) @4.
    static func pkttype(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let type = p.i32(0), let invert = p.i32(4) else { return false }
        tokens += ["-m", "pkttype"]
        if invert != 0 { tokens.append("!") }
        let name = XtablesNames.packetTypes.first { $0.value == type }?.name ?? String(type)
        tokens += ["--pkt-type", name]
        return true
    }
}
