import VNetModel

/// Addresses and masks printed the way iptables prints them (glibc `inet_ntop`, xtables mask helpers),
/// so text built from binary rules equals `iptables-save` output.
enum XtablesAddressText {
    /// `inet_ntop` text: dotted quad, or RFC 5952 IPv6 with glibc's IPv4 tail for `::a.b.c.d` and
    /// `::ffff:a.b.c.d`.
    static func address(_ address: IPAddress) -> String {
        if address.family == .ipv4 { return dottedQuad(UInt32(truncatingIfNeeded: address.low)) }
        guard address.high == 0 else { return address.description }
        let upper = address.low >> 32
        let v4 = UInt32(truncatingIfNeeded: address.low)
        // glibc prints an IPv4 tail when words 0-5 are zero (and the address is not ::, ::1 or
        // ::0.0.x.y, which have a longer zero run) or are 0:0:0:0:0:ffff.
        let zeroRun6 = upper == 0 && v4 >> 16 != 0
        if zeroRun6 || upper == 0xffff {
            let dotted = dottedQuad(v4)
            return upper == 0xffff ? "::ffff:" + dotted : "::" + dotted
        }
        return address.description
    }

    /// `a.b.c.d` without intermediate strings (rule headers print two per rule).
    static func dottedQuad(_ value: UInt32) -> String {
        dottedQuad(value, prefixLength: nil)
    }

    /// `a.b.c.d`, or `a.b.c.d/len`, written in one piece.
    private static func dottedQuad(_ value: UInt32, prefixLength: Int?) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var n = 0
            func decimal(_ number: Int) {
                if number >= 100 { buffer[n] = UInt8(48 + number / 100); n += 1 }
                if number >= 10 { buffer[n] = UInt8(48 + number / 10 % 10); n += 1 }
                buffer[n] = UInt8(48 + number % 10); n += 1
            }
            for shift in stride(from: 24, through: 0, by: -8) {
                decimal(Int(value >> UInt32(shift) & 0xff))
                if shift > 0 { buffer[n] = UInt8(ascii: "."); n += 1 }
            }
            if let prefixLength {
                buffer[n] = UInt8(ascii: "/"); n += 1
                decimal(prefixLength)
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
        }
    }

    /// Prefix length of a contiguous mask; nil when the mask has holes.
    static func prefixLength(ofMask mask: IPAddress) -> Int? {
        let ones = mask.high.nonzeroBitCount + (mask.family == .ipv4 ? UInt32(truncatingIfNeeded: mask.low).nonzeroBitCount : mask.low.nonzeroBitCount)
        return IPPrefix(mask, length: ones).network == mask ? ones : nil
    }

    /// `xtables_ipmask_to_numeric` / `xtables_ip6mask_to_numeric`: "" for a host mask, "/N" when
    /// contiguous, "/mask" otherwise.
    static func maskSuffix(_ mask: IPAddress) -> String {
        switch prefixLength(ofMask: mask) {
        case mask.bitWidth?: return ""
        case let length?: return "/\(length)"
        case nil: return "/" + address(mask)
        }
    }

    /// The `-s`/`-d` text of a rule header: iptables-save always prints the mask (`/32` too).
    static func headerAddress(_ address: IPAddress, mask: IPAddress) -> String {
        if address.family == .ipv4, mask.family == .ipv4, let length = prefixLength(ofMask: mask) {
            return dottedQuad(UInt32(truncatingIfNeeded: address.low), prefixLength: length)
        }
        let suffix = prefixLength(ofMask: mask).map { String($0) } ?? self.address(mask)
        return self.address(address) + "/" + suffix
    }
}
