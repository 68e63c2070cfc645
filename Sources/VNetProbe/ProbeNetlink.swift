import CNetlink
import Foundation
import VNetModel
#if canImport(Glibc)
import Glibc
#endif

/// A libnl route error, with the call that failed.
public struct ProbeNetlinkError: Error, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var description: String { "\(call): \(String(cString: nl_geterror(code)))" }
}

/// Owner of one libnl route socket in the network namespace of the thread that made it, for the few
/// changes a probe port needs (veth, master, up, addresses, routes) and their undoing. C stays here.
final class ProbeNetlink {
    private let socket: OpaquePointer

    init() throws {
        guard let s = nl_socket_alloc() else { throw ProbeNetlinkError(call: "nl_socket_alloc", code: -NLE_NOMEM) }
        let rc = nl_connect(s, NETLINK_ROUTE)
        guard rc == 0 else {
            nl_socket_free(s)
            throw ProbeNetlinkError(call: "nl_connect", code: rc)
        }
        socket = s
    }

    deinit { nl_socket_free(socket) }

    private func check(_ rc: Int32, _ call: String) throws {
        if rc < 0 { throw ProbeNetlinkError(call: call, code: rc) }
    }

    /// Creates veth `hostName` enslaved to `bridgeIndex` and up; its peer `peerName` (with `peerMAC`) is
    /// created directly inside the namespace `namespaceFD`, so it never exists in this one.
    func addVeth(hostName: String, master bridgeIndex: Int32, peerName: String, peerMAC: [UInt8], namespaceFD: Int32) throws {
        guard let link = rtnl_link_veth_alloc() else { throw ProbeNetlinkError(call: "rtnl_link_veth_alloc", code: -NLE_NOMEM) }
        defer { rtnl_link_put(link) }
        rtnl_link_set_name(link, hostName)
        rtnl_link_set_master(link, bridgeIndex)
        rtnl_link_set_flags(link, UInt32(IFF_UP))
        guard let peer = rtnl_link_veth_get_peer(link) else { throw ProbeNetlinkError(call: "rtnl_link_veth_get_peer", code: -NLE_NOMEM) }
        defer { rtnl_link_put(peer) }
        rtnl_link_set_name(peer, peerName)
        rtnl_link_set_ns_fd(peer, namespaceFD)
        var mac = peerMAC
        if let address = nl_addr_build(AF_LLC, &mac, mac.count) {
            rtnl_link_set_addr(peer, address)
            nl_addr_put(address)
        }
        try check(rtnl_link_add(socket, link, NLM_F_CREATE | NLM_F_EXCL), "rtnl_link_add \(hostName)")
    }

    /// Sets link `name` up.
    func setUp(_ name: String) throws {
        let index = try Self.index(of: name)
        guard let original = rtnl_link_alloc(), let change = rtnl_link_alloc() else { throw ProbeNetlinkError(call: "rtnl_link_alloc", code: -NLE_NOMEM) }
        defer { rtnl_link_put(original); rtnl_link_put(change) }
        rtnl_link_set_ifindex(original, index)
        rtnl_link_set_flags(change, UInt32(IFF_UP))
        try check(rtnl_link_change(socket, original, change, 0), "rtnl_link_change \(name) up")
    }

    /// Waits until link `name` is running (carrier up and the kernel's queue attached: frames sent before
    /// that are silently dropped, which would make an ARP probe see nobody); false at the deadline.
    func waitUntilRunning(_ name: String, seconds: Double = 3) -> Bool {
        let deadline = Date() + seconds
        while Date() < deadline {
            var link: OpaquePointer?
            if rtnl_link_get_kernel(socket, 0, name, &link) == 0, let link {
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
    func deleteLink(_ name: String) throws -> Bool {
        guard if_nametoindex(name) != 0 else { return false }
        guard let link = rtnl_link_alloc() else { throw ProbeNetlinkError(call: "rtnl_link_alloc", code: -NLE_NOMEM) }
        defer { rtnl_link_put(link) }
        rtnl_link_set_name(link, name)
        let rc = rtnl_link_delete(socket, link)
        if rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND { return false }
        try check(rc, "rtnl_link_delete \(name)")
        return true
    }

    /// Adds `address/prefixLength` to link `name`; IPv6 with or without duplicate address detection.
    func addAddress(_ address: IPAddress, prefixLength: Int, to name: String, detectDuplicates: Bool) throws {
        let index = try Self.index(of: name)
        guard let object = rtnl_addr_alloc() else { throw ProbeNetlinkError(call: "rtnl_addr_alloc", code: -NLE_NOMEM) }
        defer { rtnl_addr_put(object) }
        let local = try Self.nlAddress("\(address)/\(prefixLength)", family: address.family)
        defer { nl_addr_put(local) }
        rtnl_addr_set_ifindex(object, index)
        try check(rtnl_addr_set_local(object, local), "rtnl_addr_set_local")
        if address.family == .ipv6 && !detectDuplicates { rtnl_addr_set_flags(object, UInt32(IFA_F_NODAD)) }
        try check(rtnl_addr_add(socket, object, 0), "rtnl_addr_add \(address) on \(name)")
    }

    /// Adds the default route of `gateway`'s family via `gateway` on link `name`.
    func addDefaultRoute(via gateway: IPAddress, on name: String) throws {
        let index = try Self.index(of: name)
        let family = gateway.family == .ipv4 ? AF_INET : AF_INET6
        guard let route = rtnl_route_alloc(), let hop = rtnl_route_nh_alloc() else { throw ProbeNetlinkError(call: "rtnl_route_alloc", code: -NLE_NOMEM) }
        defer { rtnl_route_put(route) }
        let destination = try Self.nlAddress("default", family: gateway.family)
        defer { nl_addr_put(destination) }
        let via = try Self.nlAddress(gateway.description, family: gateway.family)
        defer { nl_addr_put(via) }
        try check(rtnl_route_set_family(route, UInt8(family)), "rtnl_route_set_family")
        try check(rtnl_route_set_dst(route, destination), "rtnl_route_set_dst")
        rtnl_route_nh_set_gateway(hop, via)
        rtnl_route_nh_set_ifindex(hop, index)
        rtnl_route_add_nexthop(route, hop)  // the route owns the hop from here
        try check(rtnl_route_add(socket, route, NLM_F_CREATE), "rtnl_route_add default via \(gateway)")
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

    static func index(of name: String) throws -> Int32 {
        let index = if_nametoindex(name)
        guard index != 0 else { throw ProbeNetlinkError(call: "if_nametoindex \(name)", code: -NLE_NODEV) }
        return Int32(index)
    }

    private static func nlAddress(_ text: String, family: AddressFamily) throws -> OpaquePointer {
        var result: OpaquePointer?
        let rc = nl_addr_parse(text, family == .ipv4 ? AF_INET : AF_INET6, &result)
        guard rc == 0, let result else { throw ProbeNetlinkError(call: "nl_addr_parse \(text)", code: rc) }
        return result
    }
}
