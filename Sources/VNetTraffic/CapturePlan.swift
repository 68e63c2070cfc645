import VNetJudge
import VNetModel

/// What an interface is to the audit: the side of a network where its guests sit, or a way out of the host.
public enum CaptureRole: Sendable, Hashable {
    /// The bridge of a libvirt network (nat, route, isolated, open): every frame of its guests that meets
    /// the host crosses it.
    case bridge(network: String)
    /// A guest's port on a host bridge (bridge mode): the host's own bridge interface does not see frames
    /// the bridge forwards between ports, the ports do.
    case guestPort(network: String)
    /// A way out of the host for the networks named (a default-route device, a forward dev, a host
    /// bridge's LAN port).
    case uplink(networks: [String])

    /// The network whose guest side this interface is (bridge or guest port); nil for an uplink.
    public var guestSideOf: String? {
        switch self {
        case .bridge(let network), .guestPort(let network): return network
        case .uplink: return nil
        }
    }

    /// The networks this interface is captured for.
    public var networks: [String] {
        switch self {
        case .bridge(let network), .guestPort(let network): return [network]
        case .uplink(let networks): return networks
        }
    }
}

/// One interface to capture, why, and the BPF filter that keeps what can concern the audited networks.
public struct CaptureTarget: Sendable, Hashable {
    public var interface: String
    public var role: CaptureRole
    /// A pcap-filter(7) expression; empty means everything.
    public var filter: String

    public init(interface: String, role: CaptureRole, filter: String) {
        self.interface = interface
        self.role = role
        self.filter = filter
    }
}

/// Which interfaces to capture for a scope, worked out from the model alone (pure: no I/O).
public enum CapturePlan {
    /// Each audited network's bridge (or a bridge-mode network's guest ports) unfiltered, then each uplink
    /// once, filtered to the networks' subnets, the host's addresses on that uplink, ARP, ICMP/ICMPv6,
    /// DHCP and DNS. Inactive networks and networks without a bridge carry nothing to capture.
    public static func targets(for scope: AuditScope) -> [CaptureTarget] {
        let topology = BridgeTopology(host: scope.host)
        var sides: [CaptureTarget] = []
        var uplinkNetworks: [(device: String, networks: [LibvirtNetwork])] = []
        for network in scope.networks where network.active {
            guard let bridge = network.bridge?.name else { continue }
            let uplinks = uplinkDevices(of: network, topology: topology).filter { $0 != bridge }
            if network.mode == .bridge {
                for port in topology.guestPorts(of: bridge, uplinks: uplinks) {
                    sides.append(CaptureTarget(interface: port.name, role: .guestPort(network: network.name), filter: ""))
                }
            } else if [.nat, .route, .isolated, .open].contains(network.mode) {
                sides.append(CaptureTarget(interface: bridge, role: .bridge(network: network.name), filter: ""))
            } else {
                continue
            }
            for device in uplinks {
                if let i = uplinkNetworks.firstIndex(where: { $0.device == device }) {
                    uplinkNetworks[i].networks.append(network)
                } else {
                    uplinkNetworks.append((device, [network]))
                }
            }
        }
        let sideNames = Set(sides.map(\.interface))
        let uplinks = uplinkNetworks.filter { !sideNames.contains($0.device) }.map { device, networks in
            CaptureTarget(interface: device, role: .uplink(networks: networks.map(\.name)),
                          filter: uplinkFilter(device: device, networks: networks, host: scope.host))
        }
        return sides + uplinks
    }

    /// Where a network's traffic can leave: its uplinks as `BridgeTopology` knows them; for an isolated
    /// network (which has none by design) the default-route devices, where a leak would show.
    static func uplinkDevices(of network: LibvirtNetwork, topology: BridgeTopology) -> [String] {
        if network.mode == .isolated {
            var seen = Set<String>()
            return topology.defaultRouteDevices().map(\.device).filter { seen.insert($0).inserted }
        }
        return topology.uplinks(of: network)
    }

    /// The uplink filter: frames of the networks' subnets (either direction), of the host's own addresses
    /// on the device (translated flows), and the protocols whose absence or errors the judgement reads.
    /// A bridge-mode network's LAN port gets everything: its guests' addresses are not in the model.
    static func uplinkFilter(device: String, networks: [LibvirtNetwork], host: HostState) -> String {
        if networks.contains(where: { $0.mode == .bridge }) { return "" }
        var terms = ["arp", "icmp", "icmp6", "udp port 67 or udp port 68", "udp port 546 or udp port 547", "port 53"]
        var seen = Set<String>()
        for subnet in networks.flatMap(\.subnets) where seen.insert(subnet.description).inserted {
            terms.append("net \(subnet)")
        }
        for address in host.addresses(of: device) where address.scope == .global {
            terms.append("host \(address.address)")
        }
        return terms.map { "(\($0))" }.joined(separator: " or ")
    }
}
