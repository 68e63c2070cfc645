import VNetModel

/// The conntrack match, revisions 1-3 (`xt_conntrack_mtinfo1/2/3`), printed like libxt_conntrack's
/// conntrack_dump. Also carries `-m state`, which iptables stores as conntrack with the state-alias flag.
///
/// Layout shared by all three: origsrc addr/mask @0/16, origdst @32/48, replsrc @64/80, repldst
/// @96/112 (nf_inet_addr), expires_min @128, expires_max @132, l4proto @136, origsrc_port @138,
/// origdst_port @140, replsrc_port @142, repldst_port @144, match_flags @146, invert_flags @148;
/// then rev 1: state_mask u8 @150, status_mask u8 @151; rev 2/3: u16 @150, u16 @152; rev 3 adds the
/// high ports @154, 156, 158, 160 (and stores all ports in host order, rev 1/2 in network order).
enum XtablesConntrackDecoder {
    private enum Flag {
        static let state: UInt16 = 1 << 0, proto: UInt16 = 1 << 1
        static let origSrc: UInt16 = 1 << 2, origDst: UInt16 = 1 << 3, replSrc: UInt16 = 1 << 4, replDst: UInt16 = 1 << 5
        static let status: UInt16 = 1 << 6, expires: UInt16 = 1 << 7
        static let origSrcPort: UInt16 = 1 << 8, origDstPort: UInt16 = 1 << 9
        static let replSrcPort: UInt16 = 1 << 10, replDstPort: UInt16 = 1 << 11
        static let direction: UInt16 = 1 << 12, stateAlias: UInt16 = 1 << 13
    }

    static func tokens(_ p: XtablesPayload, revision: UInt8, family: AddressFamily, into tokens: inout [String]) -> Bool {
        let minimumSize = revision == 1 ? 152 : (revision == 2 ? 154 : 162)
        guard p.count >= minimumSize, let flags = p.u16(146), let invert = p.u16(148),
              let expiresMin = p.u32(128), let expiresMax = p.u32(132), let l4proto = p.u16(136) else { return false }
        let stateMask: UInt16
        let statusMask: UInt16
        if revision == 1 {
            guard let s = p.u8(150), let t = p.u8(151) else { return false }
            stateMask = UInt16(s); statusMask = UInt16(t)
        } else {
            guard let s = p.u16(150), let t = p.u16(152) else { return false }
            stateMask = s; statusMask = t
        }

        tokens.append("-m")
        tokens.append(flags & Flag.stateAlias != 0 ? "state" : "conntrack")
        /// `[!] NAME VALUE` when the flag is set; the value is only formatted then.
        func option(_ flag: UInt16, _ name: String, _ value: () -> String?) -> Bool {
            guard flags & flag != 0 else { return true }
            guard let value = value() else { return false }
            if invert & flag != 0 { tokens.append("!") }
            tokens.append(name)
            tokens.append(value)
            return true
        }
        func address(_ offset: Int) -> String? {
            guard let addr = p.address(offset, family: family), let mask = p.address(offset + 16, family: family) else { return nil }
            return XtablesAddressText.address(addr) + XtablesAddressText.maskSuffix(mask)
        }
        func port(_ lowOffset: Int, _ highOffset: Int) -> String? {
            if revision == 3 {
                guard let low = p.u16(lowOffset), let high = p.u16(highOffset) else { return nil }
                return high == 0 || low == high ? String(low) : "\(low):\(high)"
            }
            return p.be16(lowOffset).map { String($0) }
        }
        func names(_ mask: UInt16, _ table: [(name: String, bit: UInt16)]) -> String {
            var text = ""
            for entry in table where mask & entry.bit != 0 {
                if !text.isEmpty { text += "," }
                text += entry.name
            }
            return text
        }

        // An empty state list prints as a bare option iptables cannot read back: not understood.
        let stateText = { () -> String? in let text = names(stateMask, XtablesNames.ctStates); return text.isEmpty ? nil : text }
        guard option(Flag.state, flags & Flag.stateAlias != 0 ? "--state" : "--ctstate", stateText),
              option(Flag.proto, "--ctproto", { String(l4proto) }),
              option(Flag.origSrc, "--ctorigsrc", { address(0) }),
              option(Flag.origDst, "--ctorigdst", { address(32) }),
              option(Flag.replSrc, "--ctreplsrc", { address(64) }),
              option(Flag.replDst, "--ctrepldst", { address(96) }),
              option(Flag.origSrcPort, "--ctorigsrcport", { port(138, 154) }),
              option(Flag.origDstPort, "--ctorigdstport", { port(140, 156) }),
              option(Flag.replSrcPort, "--ctreplsrcport", { port(142, 158) }),
              option(Flag.replDstPort, "--ctrepldstport", { port(144, 160) }),
              option(Flag.status, "--ctstatus", { statusMask == 0 ? "NONE" : names(statusMask, XtablesNames.ctStatuses) }),
              option(Flag.expires, "--ctexpire", { expiresMin == expiresMax ? String(expiresMin) : "\(expiresMin):\(expiresMax)" })
        else { return false }
        if flags & Flag.direction != 0 {
            tokens += ["--ctdir", invert & Flag.direction != 0 ? "REPLY" : "ORIGINAL"]
        }
        return true
    }
}
