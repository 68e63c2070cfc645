import CNetlink
import VNetNetlink
import VNetModel

/// Decodes `RTM_NEWADDR` messages through libnl's `rtnl_addr_*` getters.
enum AddressDecoder {
    /// `struct ifaddrmsg`.
    static let familyHeaderSize = 8

    /// nil when the message carries no usable IPv4/IPv6 address.
    static func decode(_ object: LibnlObject, linkName: (Int) -> String) -> InterfaceAddress? {
        let address = object.handle
        let index = Int(rtnl_addr_get_ifindex(address))
        guard let family = LibnlAddress.family(rtnl_addr_get_family(address)),
              let ip = LibnlAddress.ip(rtnl_addr_get_local(address)), ip.family == family else { return nil }
        return InterfaceAddress(linkName: linkName(index), linkIndex: index, address: ip,
                                prefixLength: Int(rtnl_addr_get_prefixlen(address)),
                                scope: scope(rtnl_addr_get_scope(address)),
                                flags: flagNames(UInt32(rtnl_addr_get_flags(address)), family: family))
    }

    /// `RT_SCOPE_*`.
    static func scope(_ value: Int32) -> InterfaceAddress.Scope {
        switch value {
        case Int32(RT_SCOPE_UNIVERSE.rawValue): return .global
        case Int32(RT_SCOPE_SITE.rawValue): return .site
        case Int32(RT_SCOPE_LINK.rawValue): return .link
        case Int32(RT_SCOPE_HOST.rawValue): return .host
        case Int32(RT_SCOPE_NOWHERE.rawValue): return .nowhere
        default: return .other
        }
    }

    /// `IFA_F_*` by the names `ip address` prints; bits without a name as hex, so none is lost.
    static func flagNames(_ flags: UInt32, family: AddressFamily) -> [String] {
        let named: [(UInt32, String)] = [
            (UInt32(IFA_F_SECONDARY), family == .ipv6 ? "temporary" : "secondary"),
            (UInt32(IFA_F_NODAD), "nodad"),
            (UInt32(IFA_F_OPTIMISTIC), "optimistic"),
            (UInt32(IFA_F_DADFAILED), "dadfailed"),
            (UInt32(IFA_F_HOMEADDRESS), "home"),
            (UInt32(IFA_F_DEPRECATED), "deprecated"),
            (UInt32(IFA_F_TENTATIVE), "tentative"),
            (UInt32(IFA_F_PERMANENT), "permanent"),
            (UInt32(IFA_F_MANAGETEMPADDR), "mngtmpaddr"),
            (UInt32(IFA_F_NOPREFIXROUTE), "noprefixroute"),
            (UInt32(IFA_F_MCAUTOJOIN), "autojoin"),
            (UInt32(IFA_F_STABLE_PRIVACY), "stable-privacy"),
        ]
        var rest = flags
        var names: [String] = []
        for (bit, name) in named where flags & bit != 0 {
            names.append(name)
            rest &= ~bit
        }
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        return names
    }
}
