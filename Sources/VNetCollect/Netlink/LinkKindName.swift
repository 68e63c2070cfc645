import VNetModel

/// Maps the kernel's link kind (`IFLA_INFO_KIND`) and hardware type to the model's `LinkKind`.
enum LinkKindName {
    /// `ARPHRD_ETHER` and `ARPHRD_LOOPBACK` (linux/if_arp.h, which cannot be imported beside
    /// glibc's net/if.h: both define the interface flags).
    static let etherHardware: UInt32 = 1
    static let loopbackHardware: UInt32 = 772
    /// `IFF_TUN` / `IFF_TAP` (linux/if_tun.h), the values of `IFLA_TUN_TYPE`.
    static let tunType: UInt8 = 0x1
    static let tapType: UInt8 = 0x2

    /// `kind`: `IFLA_INFO_KIND` (nil for plain devices); `tunType`: `IFLA_TUN_TYPE` of a tun link.
    static func kind(infoKind kind: String?, hardwareType: UInt32, tunType: UInt8?) -> LinkKind {
        guard let kind else {
            switch hardwareType {
            case loopbackHardware: return .loopback
            case etherHardware: return .physical
            default: return .other
            }
        }
        switch kind {
        case "bridge": return .bridge
        case "veth": return .veth
        // libvirt's guest taps are `tun` links with the TAP type; an unknown type stays `tun`.
        case "tun": return tunType == tapType ? .tap : .tun
        case "macvtap": return .macvtap
        case "macvlan": return .macvlan
        case "ipvlan", "ipvtap": return .ipvlan
        case "vlan": return .vlan
        case "vxlan": return .vxlan
        case "bond": return .bond
        case "dummy": return .dummy
        case "wireguard": return .wireguard
        case "gre", "gretap", "ip6gre", "ip6gretap": return .gre
        case "ipip": return .ipip
        case "sit": return .sit
        case "team": return .team
        default: return .other
        }
    }
}
