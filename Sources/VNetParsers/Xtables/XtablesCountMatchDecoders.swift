import VNetModel

/// Decoders of the header-value matches (ttl, hl, dscp, length) and of the stateful ones the packet
/// cannot decide (quota, connlimit), printing what `iptables-save` prints for them.
enum XtablesCountMatchDecoders {
    /// `struct ipt_ttl_info` / `ip6t_hl_info`: mode @0 (EQ, NE, LT, GT), value @1.
    static func hops(_ p: XtablesPayload, name: String, into tokens: inout [String]) -> Bool {
        guard let mode = p.u8(0), let value = p.u8(1), mode <= 3 else { return false }
        tokens += ["-m", name]
        if mode == 1 { tokens.append("!") }
        tokens += ["--\(name)-\(["eq", "eq", "lt", "gt"][Int(mode)])", String(value)]
        return true
    }

    /// `struct xt_dscp_info`: dscp @0, invert @1.
    static func dscp(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let dscp = p.u8(0), let invert = p.u8(1), dscp <= 63 else { return false }
        tokens += ["-m", "dscp"] + (invert != 0 ? ["!"] : []) + ["--dscp", "0x" + (dscp < 16 ? "0" : "") + String(dscp, radix: 16)]
        return true
    }

    /// `struct xt_length_info`: min @0, max @2 (host order), invert @4.
    static func length(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let min = p.u16(0), let max = p.u16(2), let invert = p.u8(4) else { return false }
        tokens += ["-m", "length"] + (invert != 0 ? ["!"] : []) + ["--length", min == max ? "\(min)" : "\(min):\(max)"]
        return true
    }

    /// `struct xt_quota_info`: flags @0 (XT_QUOTA_INVERT 1), quota (u64) @8.
    static func quota(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let flags = p.u32(0), let bytes = p.u64(8) else { return false }
        tokens += ["-m", "quota"] + (flags & 1 != 0 ? ["!"] : []) + ["--quota", String(bytes)]
        return true
    }

    /// `struct xt_connlimit_info` revision 1: mask (union nf_inet_addr) @0, limit @16, flags @20
    /// (XT_CONNLIMIT_INVERT 1, XT_CONNLIMIT_DADDR 2).
    static func connlimit(_ p: XtablesPayload, family: AddressFamily, into tokens: inout [String]) -> Bool {
        guard let limit = p.u32(16), let flags = p.u32(20) else { return false }
        var maskBits = 0
        for i in 0..<(family == .ipv4 ? 4 : 16) {
            guard let byte = p.u8(i) else { return false }
            maskBits += byte.nonzeroBitCount
        }
        tokens += ["-m", "connlimit", flags & 1 != 0 ? "--connlimit-upto" : "--connlimit-above", String(limit),
                   "--connlimit-mask", String(maskBits), flags & 2 != 0 ? "--connlimit-daddr" : "--connlimit-saddr"]
        return true
    }
}
