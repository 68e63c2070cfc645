import VNetModel

/// Decoders of the header-value matches (ttl, hl, dscp, length) and of the stateful ones the packet
/// cannot decide (quota, connlimit, hashlimit), printing what `iptables-save` prints for them.
enum XtablesCountMatchDecoders {
    /// `struct ipt_ttl_info` / `ip6t_hl_info`: mode @0 (EQ, NE, LT, GT), value @1.
    static func hops(_ p: XtablesPayload, name: String, into tokens: inout [String]) -> Bool {
        guard let mode = p.u8(0), let value = p.u8(1), mode <= 3 else { return false }
        tokens += ["-m", name]
        if mode == 1 { tokens.append("!") }
        tokens += ["--\(name)-\(["eq", "eq", "lt", "gt"][Int(mode)])", String(value)]
        return true
    }

    /// `struct ip6t_rt`: rt_type @0, segsleft[2] @4, hdrlen @12, flags @16 (IP6T_RT_TYP 1, _SGS 2, _LEN 4,
    /// _RES 8, address list 0x30), invflags @17 (IP6T_RT_INV_TYP 1, _SGS 2, _LEN 4). A match on the
    /// address list is left to the caller as not understood.
    static func routingHeader(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let type = p.u32(0), let low = p.u32(4), let high = p.u32(8), let length = p.u32(12),
              let flags = p.u8(16), let inverted = p.u8(17), flags & 0x30 == 0 else { return false }
        tokens += ["-m", "rt"]
        func option(_ flag: UInt8, _ name: String, _ value: String?) {
            guard flags & flag != 0 else { return }
            if inverted & flag != 0 { tokens.append("!") }
            tokens.append(name)
            if let value { tokens.append(value) }
        }
        option(1, "--rt-type", String(type))
        option(2, "--rt-segsleft", low == high ? String(low) : "\(low):\(high)")
        option(4, "--rt-len", String(length))
        option(8, "--rt-0-res", nil)
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

    /// `struct xt_hashlimit_mtinfo3` in packet mode: name @0 (NAME_MAX 255), then the config @256: avg
    /// (u64, XT_HASHLIMIT_SCALE_v2 units per packet) @256, burst (u64) @264, mode @272, size @276, max
    /// @280, gc_interval @284, expire @288, interval @292, srcmask @296, dstmask @297. Byte mode
    /// (XT_HASHLIMIT_BYTES) is not decoded.
    static func hashlimit(_ p: XtablesPayload, family: AddressFamily, into tokens: inout [String]) -> Bool {
        guard let name = p.cString(0, capacity: 255), let average = p.u64(256), let burst = p.u64(264), let mode = p.u32(272),
              let size = p.u32(276), let max = p.u32(280), let gcInterval = p.u32(284), let expire = p.u32(288),
              let interval = p.u32(292), let srcmask = p.u8(296), let dstmask = p.u8(297), mode & 0x20 == 0 else { return false }
        let scale: UInt64 = 1_000_000
        let rate = XtablesMatchDecoders.rate(average, scale: scale)
        tokens += ["-m", "hashlimit", mode & 0x10 != 0 ? "--hashlimit-above" : "--hashlimit-upto", rate.text,
                   "--hashlimit-burst", String(burst)]
        // XT_HASHLIMIT_HASH_SIP, _SPT, _DIP, _DPT in the order libxt_hashlimit prints them.
        let keys = [(4, "srcip"), (8, "srcport"), (1, "dstip"), (2, "dstport")].filter { mode & UInt32($0.0) != 0 }.map(\.1)
        if !keys.isEmpty { tokens += ["--hashlimit-mode", keys.joined(separator: ",")] }
        tokens += ["--hashlimit-name", name]
        let hostBits: UInt8 = family == .ipv4 ? 32 : 128
        if size != 0 { tokens += ["--hashlimit-htable-size", String(size)] }
        if max != 0 { tokens += ["--hashlimit-htable-max", String(max)] }
        if gcInterval != 1000 { tokens += ["--hashlimit-htable-gcinterval", String(gcInterval)] }
        if UInt64(expire) != rate.unitPeriod / scale * 1000 { tokens += ["--hashlimit-htable-expire", String(expire)] }
        if srcmask != hostBits { tokens += ["--hashlimit-srcmask", String(srcmask)] }
        if dstmask != hostBits { tokens += ["--hashlimit-dstmask", String(dstmask)] }
        if mode & 0x40 != 0 {
            tokens.append("--hashlimit-rate-match")
            if interval != 1 { tokens += ["--hashlimit-rate-interval", String(interval)] }
        }
        return true
    }
}
