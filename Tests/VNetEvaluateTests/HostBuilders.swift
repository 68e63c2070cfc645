import Foundation
import VNetModel
import VNetEvaluate

/// A hand-built libvirt host for the routing tests: eth0 on 10.0.0.0/24 with a default route via
/// 10.0.0.1, virbr0 at 192.168.122.1/24, and the kernel's local-table routes for both addresses.
enum HostBuild {
    static func route(_ destination: String, table: Int = Route.mainTable, type: Route.RouteType = .unicast,
                      via gateway: String? = nil, dev: String? = nil, metric: Int? = nil) -> Route {
        guard let prefix = IPPrefix(destination) else { preconditionFailure("bad test prefix \(destination)") }
        let hops = gateway == nil && dev == nil ? [] : [Route.NextHop(gateway: gateway.map(Build.address), device: dev)]
        return Route(family: prefix.family, table: table, type: type, destination: prefix, protocolName: "static",
                     scope: "universe", metric: metric, nextHops: hops)
    }

    static let routes: [Route] = [
        route("0.0.0.0/0", via: "10.0.0.1", dev: "eth0", metric: 100),
        route("10.0.0.0/24", dev: "eth0", metric: 100),
        route("192.168.122.0/24", dev: "virbr0"),
        route("10.0.0.5/32", table: Route.localTable, type: .local, dev: "eth0"),
        route("192.168.122.1/32", table: Route.localTable, type: .local, dev: "virbr0"),
        route("192.168.122.255/32", table: Route.localTable, type: .broadcast, dev: "virbr0"),
        route("::/0", via: "fe80::1", dev: "eth0", metric: 1024),
        route("2001:db8:1::/64", dev: "eth0", metric: 256),
        route("2001:db8:1::5/128", table: Route.localTable, type: .local, dev: "eth0"),
    ]

    /// Links, routes and sysctls count as read from the live host: what is absent is absent.
    static func host(routes: [Route] = routes, rules: [PolicyRule] = [],
                     sysctls: [String: String] = ["net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"],
                     firewall: Firewall = Firewall(), links: [Link] = [], addresses: [InterfaceAddress] = [],
                     coverage: Coverage = Coverage(links: .live, routes: .live, sysctls: .live)) -> HostState {
        HostState(hostname: "test", collectedAt: Date(timeIntervalSince1970: 0), coverage: coverage, links: links,
                  addresses: addresses, routes: routes, policyRules: rules, sysctls: Sysctls(values: sysctls),
                  firewall: firewall)
    }

    static func request(from source: String, to destination: String, in interface: String? = "virbr0",
                        mark: UInt32? = 0) -> RoutingRequest {
        RoutingRequest(source: Build.address(source), destination: Build.address(destination),
                       inputInterface: interface, mark: mark)
    }
}
