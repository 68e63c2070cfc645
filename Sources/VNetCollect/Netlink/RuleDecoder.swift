import CNetlink
import VNetNetlink
import VNetModel

/// Decodes `RTM_NEWRULE` messages: most fields through libnl's `rtnl_rule_*` getters; the `not`
/// flag (`FIB_RULE_INVERT` in `fib_rule_hdr.flags`) and the presence of a mark, which libnl 3.7
/// does not expose, from the message itself.
enum RuleDecoder {
    /// `struct fib_rule_hdr`; its `flags` field starts at byte 8.
    static let familyHeaderSize = 12
    private static let flagsOffset = 8

    static func decode(_ object: LibnlObject, message: NetlinkMessage) -> PolicyRule? {
        let rule = object.handle
        guard let family = LibnlAddress.family(rtnl_rule_get_family(rule)) else { return nil }
        let attributes = message.attributes(familyHeaderSize: familyHeaderSize)
        let headerFlags: UInt32 = message.familyHeader(size: familyHeaderSize)
            .flatMap { $0.nativeInteger(at: $0.startIndex + flagsOffset) } ?? 0
        let action = rtnl_rule_get_action(rule)
        // The kernel sends FRA_FWMASK whenever a mark match is set, FRA_FWMARK only when non-zero.
        let mask = attributes.u32(FRA_FWMASK)
        let mark = attributes.u32(FRA_FWMARK) ?? (mask != nil ? 0 : nil)
        return PolicyRule(
            family: family, priority: Int(rtnl_rule_get_prio(rule)), action: actionName(action),
            table: Int(action) == FR_ACT_TO_TBL ? Int(rtnl_rule_get_table(rule)) : nil,
            from: LibnlAddress.prefix(rtnl_rule_get_src(rule), family: family),
            to: LibnlAddress.prefix(rtnl_rule_get_dst(rule), family: family),
            inputInterface: rtnl_rule_get_iif(rule).map { String(cString: $0) },
            outputInterface: rtnl_rule_get_oif(rule).map { String(cString: $0) },
            fwmark: mark, fwmask: mask,
            invert: headerFlags & UInt32(FIB_RULE_INVERT) != 0)
    }

    /// `FR_ACT_*` by the names `ip rule` prints.
    static func actionName(_ action: UInt8) -> String {
        switch Int(action) {
        case FR_ACT_TO_TBL: return "lookup"
        case FR_ACT_GOTO: return "goto"
        case FR_ACT_NOP: return "nop"
        case FR_ACT_BLACKHOLE: return "blackhole"
        case FR_ACT_UNREACHABLE: return "unreachable"
        case FR_ACT_PROHIBIT: return "prohibit"
        default: return "action \(action)"
        }
    }
}
