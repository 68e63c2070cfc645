import VNetModel

/// What `-m addrtype` calls an address on this host (the kernel's route type for it): `local` for the
/// host's own addresses, `broadcast`, `multicast`, `blackhole`/`unreachable`/`prohibit` for addresses
/// routed that way, `unicast` for the rest. Nil when the model cannot tell (routes not collected).
struct AddressTypes {
    let routes: [Route]
    let routesKnown: Bool
    let hostAddresses: Set<IPAddress>
    let addressesKnown: Bool
    /// The whole host, for the route lookups of `fib` and the interface addresses of `pkttype`.
    let host: HostState

    init(host: HostState) {
        routes = host.routes
        routesKnown = host.coverage.routes != .notCollected
        hostAddresses = Set(host.addresses.map(\.address))
        addressesKnown = host.coverage.links != .notCollected
        self.host = host
    }

    func type(of address: IPAddress) -> String? {
        if address.family == .ipv4, address.high == 0, address.low == 0xFFFF_FFFF || address.low >> 24 == 0 {
            return "broadcast"  // 255.255.255.255 and 0.0.0.0/8, as inet_addr_type says
        }
        if address.isMulticast { return "multicast" }
        if addressesKnown, hostAddresses.contains(address) { return "local" }
        guard routesKnown else { return nil }
        if let local = longestPrefixMatch(address, table: Route.localTable, in: routes),
           local.type == .local || local.type == .broadcast {
            return local.type.rawValue
        }
        // An address no route covers is still `unicast` to the kernel.
        guard let main = longestPrefixMatch(address, table: Route.mainTable, in: routes) else { return "unicast" }
        switch main.type {
        case .blackhole, .unreachable, .prohibit, .anycast: return main.type.rawValue
        default: return "unicast"
        }
    }
}
