import CNetlink
import VNetNetlink
import VNetModel

/// Decodes `RTM_NEWROUTE` messages through libnl's `rtnl_route_*` getters, one message at a time
/// (libnl's route cache would merge IPv6 routes that share table, prefix and metric into one
/// multipath route, and keep only one of appended IPv4 routes).
enum RouteDecoder {
    /// `struct rtmsg`.
    static let familyHeaderSize = 12

    /// nil when the family is neither IPv4 nor IPv6 or the destination cannot be read.
    static func decode(_ object: LibnlObject, linkName: (Int) -> String) -> Route? {
        let route = object.handle
        guard let family = LibnlAddress.family(Int32(rtnl_route_get_family(route))),
              let destination = LibnlAddress.prefix(rtnl_route_get_dst(route), family: family) else { return nil }
        let hopCount = Int(rtnl_route_get_nnexthops(route))
        let nextHops = (0 ..< hopCount).compactMap { position in
            rtnl_route_nexthop_n(route, Int32(position)).map {
                nextHop($0, multipath: hopCount > 1, linkName: linkName)
            }
        }
        return Route(family: family, table: Int(rtnl_route_get_table(route)),
                     type: RouteNames.type(rtnl_route_get_type(route)), destination: destination,
                     preferredSource: LibnlAddress.ip(rtnl_route_get_pref_src(route)),
                     protocolName: RouteNames.protocolName(rtnl_route_get_protocol(route)),
                     scope: RouteNames.scope(rtnl_route_get_scope(route)),
                     metric: Int(rtnl_route_get_priority(route)), nextHops: nextHops)
    }

    /// The gateway is `RTA_GATEWAY`, or `RTA_VIA` when it is of the other family. The weight is
    /// given for multipath hops only, as `ip route` prints it (the kernel keeps weight - 1).
    private static func nextHop(_ hop: OpaquePointer, multipath: Bool, linkName: (Int) -> String) -> Route.NextHop {
        let index = Int(rtnl_route_nh_get_ifindex(hop))
        let gateway = LibnlAddress.ip(rtnl_route_nh_get_gateway(hop)) ?? LibnlAddress.ip(rtnl_route_nh_get_via(hop))
        return Route.NextHop(gateway: gateway, device: index > 0 ? linkName(index) : nil,
                             weight: multipath ? Int(rtnl_route_nh_get_weight(hop)) + 1 : nil)
    }
}
