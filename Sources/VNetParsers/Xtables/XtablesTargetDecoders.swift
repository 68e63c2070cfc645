import VNetModel

/// Target payloads other than the NAT family, each printed like its libxt/libipt save function.
enum XtablesTargetDecoders {
    /// `struct ipt_reject_info` / `ip6t_reject_info`: with (enum, u32) @0.
    static func reject(_ p: XtablesPayload, family: AddressFamily, into tokens: inout [String]) -> Bool {
        let names = family == .ipv4 ? XtablesNames.rejectWithIPv4 : XtablesNames.rejectWithIPv6
        guard let with = p.u32(0), with < names.count, let name = names[Int(with)] else { return false }
        tokens += ["-j", "REJECT", "--reject-with", name]
        return true
    }

    /// `struct xt_mark_tginfo2`: mark @0, mask @4 (always printed as --set-xmark).
    static func mark(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let mark = p.u32(0), let mask = p.u32(4) else { return false }
        tokens += ["-j", "MARK", "--set-xmark", "0x\(String(mark, radix: 16))/0x\(String(mask, radix: 16))"]
        return true
    }

    /// `struct xt_connmark_tginfo1`: ctmark @0, ctmask @4, nfmask @8, mode @12; `xt_connmark_tginfo2`
    /// puts shift_dir @12, shift_bits @13, mode @14.
    static func connmark(_ p: XtablesPayload, revision: UInt8, into tokens: inout [String]) -> Bool {
        guard let ctmark = p.u32(0), let ctmask = p.u32(4), let nfmask = p.u32(8),
              let mode = p.u8(revision == 1 ? 12 : 14) else { return false }
        let hex = { (v: UInt32) in "0x" + String(v, radix: 16) }
        tokens += ["-j", "CONNMARK"]
        switch mode {
        case 0: tokens += ["--set-xmark", "\(hex(ctmark))/\(hex(ctmask))"]
        case 1: tokens += ["--save-mark", "--nfmask", hex(nfmask), "--ctmask", hex(ctmask)]
        case 2: tokens += ["--restore-mark", "--nfmask", hex(nfmask), "--ctmask", hex(ctmask)]
        default: return false
        }
        if revision == 2 {
            guard let direction = p.u8(12), let bits = p.u8(13) else { return false }
            if bits != 0 { tokens += [direction == 0 ? "--left-shift-mark" : "--right-shift-mark", String(bits)] }
        }
        return true
    }

    /// `struct xt_CHECKSUM_info`: operation @0 (FILL = 1).
    static func checksum(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let operation = p.u8(0) else { return false }
        tokens += ["-j", "CHECKSUM"]
        if operation & 1 != 0 { tokens.append("--checksum-fill") }
        return true
    }

    /// `struct xt_log_info`: level @0, logflags @1, prefix[30] @2.
    static func log(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let level = p.u8(0), let flags = p.u8(1), flags & ~0x2f == 0,
              let prefix = p.cString(2, capacity: 30) else { return false }
        tokens += ["-j", "LOG"]
        if !prefix.isEmpty { tokens += ["--log-prefix", prefix] }
        if level != 4 { tokens += ["--log-level", String(level)] }
        let flagOptions: [(UInt8, String)] = [
            (0x01, "--log-tcp-sequence"), (0x02, "--log-tcp-options"), (0x04, "--log-ip-options"),
            (0x08, "--log-uid"), (0x20, "--log-macdecode"),
        ]
        for (bit, option) in flagOptions where flags & bit != 0 { tokens.append(option) }
        return true
    }

    /// `struct xt_ct_target_info` (rev 0): flags @0, zone @2, ct_events @4, exp_events @8,
    /// helper[16] @12; `xt_ct_target_info_v1` (rev 1, 2) adds timeout[32] @28. Event masks are not
    /// decoded (nil).
    static func ct(_ p: XtablesPayload, revision: UInt8, into tokens: inout [String]) -> Bool {
        guard let flags = p.u16(0), let zone = p.u16(2), p.u32(4) == 0, p.u32(8) == 0,
              let helper = p.cString(12, capacity: 16) else { return false }
        let timeout = revision >= 1 ? p.cString(28, capacity: 32) : ""
        guard let timeout else { return false }
        let notrack: UInt16 = 1, notrackAlias: UInt16 = 2, zoneOrig: UInt16 = 4, zoneReply: UInt16 = 8, zoneMark: UInt16 = 16
        if flags & notrackAlias != 0 {
            tokens += ["-j", "NOTRACK"]
            return true
        }
        tokens += ["-j", "CT"]
        if flags & notrack != 0 { tokens.append("--notrack") }
        if !helper.isEmpty { tokens += ["--helper", helper] }
        if !timeout.isEmpty { tokens += ["--timeout", timeout] }
        if flags & zoneMark != 0 || zone != 0 {
            let option = switch flags & (zoneOrig | zoneReply) {
            case zoneOrig: "--zone-orig"
            case zoneReply: "--zone-reply"
            default: "--zone"
            }
            tokens += [option, flags & zoneMark != 0 ? "mark" : String(zone)]
        }
        return true
    }

    /// `struct xt_tcpmss_info`: mss @0 (0xffff = clamp to path MTU).
    static func tcpmss(_ p: XtablesPayload, into tokens: inout [String]) -> Bool {
        guard let mss = p.u16(0) else { return false }
        tokens += mss == 0xffff ? ["-j", "TCPMSS", "--clamp-mss-to-pmtu"] : ["-j", "TCPMSS", "--set-mss", String(mss)]
        return true
    }
}
