/// Who sits on a bridge and where its traffic leaves the host, worked out from links and routes.
public struct BridgeTopology: Sendable {
    public let host: HostState

    public init(host: HostState) {
        self.host = host
    }

    /// Links enslaved to `bridge`, by name.
    public func ports(of bridge: String) -> [Link] {
        host.links.filter { $0.master == bridge }.sorted { $0.name < $1.name }
    }

    /// Ports that carry guests: not the uplink, and a guest interface (see `isGuestInterface`).
    public func guestPorts(of bridge: String, uplinks: [String]) -> [Link] {
        ports(of: bridge).filter { !uplinks.contains($0.name) && Self.isGuestInterface($0) }
    }

    /// The other ports of a host bridge (`br0` with `eth0`, a bond or a veth enslaved): its way to the LAN.
    public func lanPorts(of bridge: String) -> [Link] {
        ports(of: bridge).filter { !Self.isGuestInterface($0) }
    }

    /// libvirt attaches guests through tap and macvtap devices it names `vnetN` / `macvtapN`; a port
    /// that is neither is the host's own (a NIC, bond, vlan or veth towards the LAN).
    public static func isGuestInterface(_ link: Link) -> Bool {
        if [.tap, .tun, .macvtap].contains(link.kind) { return true }
        for prefix in ["vnet", "macvtap"] where link.name.hasPrefix(prefix) {
            let number = link.name.dropFirst(prefix.count)
            if !number.isEmpty && number.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        }
        return false
    }

    /// Devices of the main table's default routes, per family, each device once.
    public func defaultRouteDevices() -> [(family: AddressFamily, device: String)] {
        var seen = Set<String>()
        var out: [(family: AddressFamily, device: String)] = []
        let defaults = host.routes.filter { $0.table == Route.mainTable && $0.destination.length == 0 && $0.type == .unicast }
        for route in defaults.sorted(by: { ($0.family.rawValue, $0.metric ?? 0) < ($1.family.rawValue, $1.metric ?? 0) }) {
            for device in route.nextHops.compactMap(\.device) where seen.insert("\(route.family)/\(device)").inserted {
                out.append((route.family, device))
            }
        }
        return out
    }

    /// A libvirt network's uplinks: for nat/route/open its forward dev (the only one its rules allow),
    /// else the default-route devices; for bridge mode the NICs enslaved to the bridge; for macvtap and
    /// hostdev modes the devices it names. Isolated networks have none.
    public func uplinks(of network: LibvirtNetwork) -> [String] {
        switch network.mode {
        case .nat, .route, .open:
            if let dev = network.forward.dev { return [dev] }
            return unique(defaultRouteDevices().map(\.device))
        case .bridge:
            return network.bridge?.name.map { lanPorts(of: $0).map(\.name) } ?? []
        case .private, .vepa, .passthrough, .hostdev:
            return unique((network.forward.dev.map { [$0] } ?? []) + network.forward.interfaces)
        case .isolated:
            return []
        }
    }

    private func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
