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
            invert: headerFlags & UInt32(FIB_RULE_INVERT) != 0,
            suppressPrefixLength: suppressPrefixLength(attributes),
            unmodelledSelectors: unmodelledSelectors(attributes))
    }

    /// FRA_SUPPRESS_PREFIXLEN, present with -1 when the rule has none (the kernel always sends it).
    private static func suppressPrefixLength(_ attributes: NetlinkAttributes) -> Int? {
        guard let raw = attributes.u32(FRA_SUPPRESS_PREFIXLEN), raw != UInt32.max else { return nil }
        return Int(raw)
    }

    /// Selectors present in the message that the route decision does not evaluate; nil when none. The
    /// kernel sends FRA_SUPPRESS_IFGROUP always, as -1 when it is unset.
    private static func unmodelledSelectors(_ attributes: NetlinkAttributes) -> [String]? {
        var found: [String] = []
        if let group = attributes.u32(FRA_SUPPRESS_IFGROUP), group != UInt32.max { found.append("suppress_ifgroup") }
        // The kernel sends these only when the rule sets them.
        for (type, name) in [(FRA_UID_RANGE, "uidrange"), (FRA_IP_PROTO, "ipproto"), (FRA_SPORT_RANGE, "sport"),
                             (FRA_DPORT_RANGE, "dport"), (FRA_TUN_ID, "tun_id"), (FRA_L3MDEV, "l3mdev")]
        where attributes.has(type) {
            found.append(name)
        }
        return found.isEmpty ? nil : found
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
