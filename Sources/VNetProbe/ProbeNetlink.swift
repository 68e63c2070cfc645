import CNetlink
import VNetNetlink
import Foundation
import VNetModel
#if canImport(Glibc)
import Glibc
#endif

/// The few changes a probe port needs (veth, master, up, addresses, routes) and their undoing, through
/// libnl-route on one netlink socket in the network namespace of the thread that made it.
final class ProbeNetlink {
    private let socket: NetlinkSocket

    init() throws(NetlinkError) {
        socket = try NetlinkSocket(protocol: NETLINK_ROUTE)
    }

    /// Creates veth `hostName` enslaved to `bridgeIndex` and up; its peer `peerName` (with `peerMAC`) is
    /// created directly inside the namespace `namespaceFD`, so it never exists in this one.
    func addVeth(hostName: String, master bridgeIndex: Int32, peerName: String, peerMAC: [UInt8], namespaceFD: Int32) throws(NetlinkError) {
        let link = try libnlCheck(rtnl_link_veth_alloc(), "rtnl_link_veth_alloc")
        defer { rtnl_link_put(link) }
        rtnl_link_set_name(link, hostName)
        rtnl_link_set_master(link, bridgeIndex)
        rtnl_link_set_flags(link, UInt32(IFF_UP))
        let peer = try libnlCheck(rtnl_link_veth_get_peer(link), "rtnl_link_veth_get_peer")
        defer { rtnl_link_put(peer) }
        rtnl_link_set_name(peer, peerName)
        rtnl_link_set_ns_fd(peer, namespaceFD)
        var mac = peerMAC
        if let address = nl_addr_build(AF_LLC, &mac, mac.count) {
            rtnl_link_set_addr(peer, address)
            nl_addr_put(address)
        }
        try socket.call("rtnl_link_add \(hostName)") { rtnl_link_add($0, link, NLM_F_CREATE | NLM_F_EXCL) }
    }

    /// Sets link `name` up.
    func setUp(_ name: String) throws(NetlinkError) {
        let index = try Self.index(of: name)
        let original = try libnlCheck(rtnl_link_alloc(), "rtnl_link_alloc")
        defer { rtnl_link_put(original) }
        let change = try libnlCheck(rtnl_link_alloc(), "rtnl_link_alloc")
        defer { rtnl_link_put(change) }
        rtnl_link_set_ifindex(original, index)
        rtnl_link_set_flags(change, UInt32(IFF_UP))
        try socket.call("rtnl_link_change \(name) up") { rtnl_link_change($0, original, change, 0) }
    }

    /// Waits until link `name` is running (carrier up and the kernel's queue attached: frames sent before
    /// that are silently dropped, which would make an ARP probe see nobody); false at the deadline.
    func waitUntilRunning(_ name: String, seconds: Double = 3) -> Bool {
        let deadline = Date() + seconds
        while Date() < deadline {
            var link: OpaquePointer?
            if (try? socket.call("rtnl_link_get_kernel \(name)") { rtnl_link_get_kernel($0, 0, name, &link) }) != nil, let link {
                let running = rtnl_link_get_flags(link) & UInt32(IFF_RUNNING) != 0
                rtnl_link_put(link)
                if running { return true }
            }
            usleep(20_000)
        }
        return false
    }

    /// Deletes link `name`; false when there is none.
    @discardableResult
    func deleteLink(_ name: String) throws(NetlinkError) -> Bool {
        guard if_nametoindex(name) != 0 else { return false }
        let link = try libnlCheck(rtnl_link_alloc(), "rtnl_link_alloc")
        defer { rtnl_link_put(link) }
        rtnl_link_set_name(link, name)
        do {
            try socket.call("rtnl_link_delete \(name)") { rtnl_link_delete($0, link) }
        } catch where error.isNoSuchObject {
            return false
        }
        return true
    }

    /// Adds `address/prefixLength` to link `name`; IPv6 with or without duplicate address detection.
    func addAddress(_ address: IPAddress, prefixLength: Int, to name: String, detectDuplicates: Bool) throws(NetlinkError) {
        let index = try Self.index(of: name)
        let object = try libnlCheck(rtnl_addr_alloc(), "rtnl_addr_alloc")
        defer { rtnl_addr_put(object) }
        let local = try Self.nlAddress("\(address)/\(prefixLength)", family: address.family)
        defer { nl_addr_put(local) }
        rtnl_addr_set_ifindex(object, index)
        try libnlCheck(rtnl_addr_set_local(object, local), "rtnl_addr_set_local")
        if address.family == .ipv6 && !detectDuplicates { rtnl_addr_set_flags(object, UInt32(IFA_F_NODAD)) }
        try socket.call("rtnl_addr_add \(address) on \(name)") { rtnl_addr_add($0, object, 0) }
    }

    /// Adds the default route of `gateway`'s family via `gateway` on link `name`.
    func addDefaultRoute(via gateway: IPAddress, on name: String) throws(NetlinkError) {
        let index = try Self.index(of: name)
        let family = gateway.family == .ipv4 ? AF_INET : AF_INET6
        let route = try libnlCheck(rtnl_route_alloc(), "rtnl_route_alloc")
        defer { rtnl_route_put(route) }
        let hop = try libnlCheck(rtnl_route_nh_alloc(), "rtnl_route_nh_alloc")
        let destination = try Self.nlAddress("default", family: gateway.family)
        defer { nl_addr_put(destination) }
        let via = try Self.nlAddress(gateway.description, family: gateway.family)
        defer { nl_addr_put(via) }
        try libnlCheck(rtnl_route_set_family(route, UInt8(family)), "rtnl_route_set_family")
        try libnlCheck(rtnl_route_set_dst(route, destination), "rtnl_route_set_dst")
        rtnl_route_nh_set_gateway(hop, via)
        rtnl_route_nh_set_ifindex(hop, index)
        rtnl_route_add_nexthop(route, hop)  // the route owns the hop from here
        try socket.call("rtnl_route_add default via \(gateway)") { rtnl_route_add($0, route, NLM_F_CREATE) }
    }

    /// Names of this namespace's links that start with `prefix`.
    func linkNames(withPrefix prefix: String) -> [String] {
        guard let list = if_nameindex() else { return [] }
        defer { if_freenameindex(list) }
        var names: [String] = []
        var entry = list
        while entry.pointee.if_index != 0, let name = entry.pointee.if_name {
            let text = String(cString: name)
            if text.hasPrefix(prefix) { names.append(text) }
            entry += 1
        }
        return names
    }

    static func index(of name: String) throws(NetlinkError) -> Int32 {
        let index = if_nametoindex(name)
        guard index != 0 else { throw NetlinkError("if_nametoindex \(name)", code: NLE_NODEV) }
        return Int32(index)
    }

    private static func nlAddress(_ text: String, family: AddressFamily) throws(NetlinkError) -> OpaquePointer {
        var result: OpaquePointer?
        try libnlCheck(nl_addr_parse(text, family == .ipv4 ? AF_INET : AF_INET6, &result), "nl_addr_parse \(text)")
        return try libnlCheck(result, "nl_addr_parse \(text)")
    }
}
