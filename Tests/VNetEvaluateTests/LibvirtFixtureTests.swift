import Foundation
import Testing
import VNetModel
import VNetParsers
import VNetEvaluate

/// libvirt's real rule sets (the VNetParsersTests fixtures): a nat network's guest on virbr0 reaches out
/// through eth0 masqueraded, and new connections from outside to the guest are rejected.
@Suite struct LibvirtFixtureTests {
    private static let masqueraded = Translation.masquerade(outInterface: "eth0", ports: PortRange(low: 1024, high: 65535))

    @Test(arguments: ["nftables", "iptables"])
    func guestOutboundIsAcceptedAndMasqueraded(backend: String) throws {
        let firewall = try backend == "nftables" ? RuleSetFixtures.libvirtNftables() : RuleSetFixtures.libvirtIptables()
        let result = evaluate(Build.guestOutbound(), hooks: Build.forwardedHooks, firewall: firewall)
        #expect(result.fate == .accepted)
        #expect(result.translatedSource == Self.masqueraded)
        let forward = result.steps.filter { $0.hook == .forward }
        #expect(forward.contains { $0.outcome == .accepted })
        let accepting = forward.flatMap(\.hits).last
        #expect(accepting?.action == .accept)
        #expect(accepting?.text.contains("192.168.122.0/24") == true)
    }

    @Test(arguments: ["nftables", "iptables"])
    func newInboundToTheGuestIsRejected(backend: String) throws {
        let firewall = try backend == "nftables" ? RuleSetFixtures.libvirtNftables() : RuleSetFixtures.libvirtIptables()
        let result = evaluate(Build.inboundToGuest(), hooks: Build.forwardedHooks, firewall: firewall)
        #expect(result.fate == .rejected)
        #expect(result.translatedSource == nil)
        #expect(result.steps.last?.hook == .forward)
    }

    @Test(arguments: ["nftables", "iptables"])
    func repliesToTheGuestAreAccepted(backend: String) throws {
        let firewall = try backend == "nftables" ? RuleSetFixtures.libvirtNftables() : RuleSetFixtures.libvirtIptables()
        let result = evaluate(Build.inboundToGuest(conntrack: .established), hooks: Build.forwardedHooks, firewall: firewall)
        #expect(result.fate == .accepted)
        #expect(result.steps.contains { $0.outcome == .skipped(reason: "nat chains see only the first packet of a connection") })
    }

    @Test func bothBackendsTogetherStillRejectInbound() throws {
        let firewall = Firewall(tables: try RuleSetFixtures.libvirtNftables().tables + RuleSetFixtures.libvirtIptables().tables)
        #expect(evaluate(Build.inboundToGuest(), hooks: Build.forwardedHooks, firewall: firewall).fate == .rejected)
        #expect(evaluate(Build.guestOutbound(), hooks: Build.forwardedHooks, firewall: firewall).fate == .accepted)
    }

    @Test func theRoutedIPv6PrefixOfTheNatNetworkIsOpenToNewInboundConnections() throws {
        let inbound = PacketProbe(inInterface: "eth0", outInterface: "virbr0", source: Build.address("2001:db8::1"),
                                  destination: Build.address("2001:db8:ca2:2::11"), l4Protocol: 6,
                                  sourcePort: 50000, destinationPort: 22)
        let result = evaluate(inbound, hooks: Build.forwardedHooks, firewall: try RuleSetFixtures.libvirtNftables())
        #expect(result.fate == .accepted)
        #expect(result.translatedSource == nil)
        #expect(result.steps.allSatisfy { $0.family == .ip6 })
    }

    @Test func anotherNetworksGuestCannotReachTheGuest() throws {
        let crossing = PacketProbe(inInterface: "virbr1", outInterface: "virbr0", source: Build.address("192.168.100.20"),
                                   destination: Build.address("192.168.122.11"), l4Protocol: 6,
                                   sourcePort: 40000, destinationPort: 22)
        #expect(evaluate(crossing, hooks: Build.forwardedHooks, firewall: try RuleSetFixtures.libvirtNftables()).fate == .rejected)
        #expect(evaluate(crossing, hooks: Build.forwardedHooks, firewall: try RuleSetFixtures.libvirtIptables()).fate == .rejected)
    }

    @Test func dhcpFromTheGuestReachesTheHost() throws {
        let discover = PacketProbe(inInterface: "virbr0", outInterface: nil, source: Build.address("0.0.0.0"),
                                   destination: Build.address("255.255.255.255"), l4Protocol: 17,
                                   sourcePort: 68, destinationPort: 67)
        let result = evaluate(discover, hooks: [.prerouting, .input], firewall: try RuleSetFixtures.libvirtIptables())
        #expect(result.fate == .accepted)
        #expect(result.steps.flatMap(\.hits).last?.text == "-A LIBVIRT_INP -i virbr0 -p udp -m udp --dport 67 -j ACCEPT")
    }
}
