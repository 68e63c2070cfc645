import Testing
import VNetJudge
import VNetModel
import VNetTraffic

/// Which interfaces a scope captures, with which role and filter, from the lab host's model.
@Suite struct CapturePlanTests {
    @Test func labScopeCapturesEachBridgeAndTheUplinkOnce() throws {
        let host = try TrafficFixtures.host()
        let targets = CapturePlan.targets(for: TrafficFixtures.scope(host))
        let roles = Dictionary(uniqueKeysWithValues: targets.map { ($0.interface, $0.role) })
        #expect(roles["virbr0"] == .bridge(network: "default"))
        #expect(roles["virbr2"] == .bridge(network: "routed"))
        #expect(roles["virbr3"] == .bridge(network: "isolated"))
        #expect(roles["vnet6"] == .guestPort(network: "hostbridge"))
        #expect(roles["eth-br"] == .uplink(networks: ["hostbridge"]))
        // the isolated network's would-be way out is watched with the others'
        #expect(roles["eth-up"] == .uplink(networks: ["default", "isolated", "routed"]))
        #expect(targets.count == 6)
        #expect(targets.filter { $0.role.guestSideOf != nil }.allSatisfy { $0.filter.isEmpty })
    }

    @Test func uplinkFilterKeepsSubnetsHostAddressesAndServiceProtocols() throws {
        let host = try TrafficFixtures.host()
        let targets = CapturePlan.targets(for: TrafficFixtures.scope(host))
        let filter = try #require(targets.first { $0.interface == "eth-up" }?.filter)
        for term in ["(arp)", "(icmp)", "(icmp6)", "(udp port 67 or udp port 68)", "(port 53)",
                     "(net 192.168.122.0/24)", "(net fd00:122::/64)", "(net 192.168.130.0/24)", "(net 2001:db8:130::/64)",
                     "(net 192.168.140.0/24)", "(host 203.0.113.2)", "(host 2001:db8:100::2)"] {
            #expect(filter.contains(term), "\(term) in \(filter)")
        }
        // nothing about networks outside the scope, nor the link-local address
        #expect(!filter.contains("192.168.150.0"))
        #expect(!filter.contains("fe80"))
        #expect(filter.components(separatedBy: " or ").allSatisfy { $0.hasPrefix("(") || $0.hasSuffix(")") || $0.hasPrefix("udp") })
        // a bridge-mode network's LAN port: its guests are not in the model, so everything
        #expect(targets.first { $0.interface == "eth-br" }?.filter == "")
    }

    @Test func inactiveNetworksAndOtherScopesAreLeftOut() throws {
        var host = try TrafficFixtures.host()
        let index = try #require(host.libvirt.networks.firstIndex { $0.name == "routed" })
        host.libvirt.networks[index].active = false
        let targets = CapturePlan.targets(for: AuditScope(host: host, networks: host.libvirt.networks.filter { $0.name == "routed" }))
        #expect(targets.isEmpty)
        let nat6 = CapturePlan.targets(for: AuditScope(host: host, networks: host.libvirt.networks.filter { $0.name == "nat6" }))
        #expect(nat6.map(\.interface) == ["virbr1", "eth-up"])
        #expect(nat6.last?.filter.contains("net 192.168.150.0/24") == true)
    }
}
