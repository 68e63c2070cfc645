import CNetlink
import VNetModel

/// Names of route fields as iproute2 prints them, from a fixed table (not the host's
/// /etc/iproute2 files, so the same kernel state always reads the same).
enum RouteNames {
    /// `RTN_*`.
    static func type(_ value: UInt8) -> Route.RouteType {
        switch Int(value) {
        case RTN_UNICAST: return .unicast
        case RTN_LOCAL: return .local
        case RTN_BROADCAST: return .broadcast
        case RTN_ANYCAST: return .anycast
        case RTN_MULTICAST: return .multicast
        case RTN_BLACKHOLE: return .blackhole
        case RTN_UNREACHABLE: return .unreachable
        case RTN_PROHIBIT: return .prohibit
        case RTN_THROW: return .throw
        case RTN_NAT: return .nat
        default: return .other
        }
    }

    /// `RTPROT_*`; unnamed values as their number.
    static func protocolName(_ value: UInt8) -> String {
        switch Int32(value) {
        case RTPROT_UNSPEC: return "unspec"
        case RTPROT_REDIRECT: return "redirect"
        case RTPROT_KERNEL: return "kernel"
        case RTPROT_BOOT: return "boot"
        case RTPROT_STATIC: return "static"
        case RTPROT_GATED: return "gated"
        case RTPROT_RA: return "ra"
        case RTPROT_MRT: return "mrt"
        case RTPROT_ZEBRA: return "zebra"
        case RTPROT_BIRD: return "bird"
        case RTPROT_DNROUTED: return "dnrouted"
        case RTPROT_XORP: return "xorp"
        case RTPROT_NTK: return "ntk"
        case RTPROT_DHCP: return "dhcp"
        case RTPROT_MROUTED: return "mrouted"
        case RTPROT_KEEPALIVED: return "keepalived"
        case RTPROT_BABEL: return "babel"
        case RTPROT_OPENR: return "openr"
        case RTPROT_BGP: return "bgp"
        case RTPROT_ISIS: return "isis"
        case RTPROT_OSPF: return "ospf"
        case RTPROT_RIP: return "rip"
        case RTPROT_EIGRP: return "eigrp"
        default: return String(value)
        }
    }

    /// `RT_SCOPE_*` (`global` for universe, as iproute2 prints it); others as their number.
    static func scope(_ value: UInt8) -> String {
        switch UInt32(value) {
        case RT_SCOPE_UNIVERSE.rawValue: return "global"
        case RT_SCOPE_SITE.rawValue: return "site"
        case RT_SCOPE_LINK.rawValue: return "link"
        case RT_SCOPE_HOST.rawValue: return "host"
        case RT_SCOPE_NOWHERE.rawValue: return "nowhere"
        default: return String(value)
        }
    }
}
