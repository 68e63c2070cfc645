import Foundation
import Testing
import VNetModel

@Suite struct BridgeTopologyTests {
    private func port(_ index: Int, _ name: String, _ kind: LinkKind, master: String = "br0") -> Link {
        Link(index: index, name: name, kind: kind, mtu: 1500, operState: .up, adminUp: true, carrier: true,
             master: master, bridgePort: BridgePortInfo(bridge: master, stpState: .forwarding))
    }

    @Test func guestInterfacesAreLibvirtTapsAndTheRestIsTheLANSide() {
        var host = HostState(hostname: "h", collectedAt: Date(timeIntervalSince1970: 0))
        host.links = [
            Link(index: 2, name: "br0", kind: .bridge, mtu: 1500, operState: .up, adminUp: true, carrier: true,
                 bridge: BridgeInfo(stpEnabled: false, vlanFiltering: false, ports: ["eth-br", "eth0", "macvtap3", "vnet6", "vnet7", "vnetx"])),
            port(3, "eth-br", .veth), port(4, "eth0", .physical), port(5, "vnet6", .veth),
            port(6, "vnet7", .tap), port(7, "macvtap3", .macvtap), port(8, "vnetx", .veth),
        ]
        let net = LibvirtNetwork(name: "hostbridge", active: true, persistent: true, autostart: true,
                                 forward: Forward(mode: .bridge), bridge: BridgeConfig(name: "br0"))
        let topology = BridgeTopology(host: host)
        let uplinks = topology.uplinks(of: net)
        #expect(uplinks == ["eth-br", "eth0", "vnetx"])
        #expect(topology.guestPorts(of: "br0", uplinks: uplinks).map(\.name) == ["macvtap3", "vnet6", "vnet7"])
    }
}
