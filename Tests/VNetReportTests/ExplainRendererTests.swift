import Foundation
import Testing
import VNetEvaluate
import VNetModel
@testable import VNetReport

/// The explain walkthrough rendered from real planned paths on a small libvirt-like host.
@Suite struct ExplainRendererTests {
    private static func ip(_ s: String) -> IPAddress { IPAddress(s)! }

    private static func route(_ destination: String, via gateway: String? = nil, dev: String, table: Int = Route.mainTable,
                              type: Route.RouteType = .unicast) -> Route {
        Route(family: .ipv4, table: table, type: type, destination: IPPrefix(destination)!, protocolName: "kernel",
              scope: "universe", nextHops: [Route.NextHop(gateway: gateway.map(ip), device: dev)])
    }

    /// libvirt's nat network in nftables terms: guests out through eth0 masqueraded, new inbound rejected.
    private static let host: HostState = {
        func rule(_ position: Int, _ elements: [RuleElement], _ text: String) -> FirewallRule {
            FirewallRule(position: position, handle: UInt64(10 + position), elements: elements, text: text)
        }
        let guests = MatchValue.prefix(IPPrefix("192.168.122.0/24")!)
        let table = FirewallTable(system: .nftables, family: .ip, name: "libvirt_network", chains: [
            FirewallChain(name: "forward", base: BaseChain(type: .filter, hook: .forward, priority: 0, policy: .accept), rules: [
                rule(1, [.action(.jump("guest_output"))], "jump guest_output"),
                rule(2, [.match(Match(.oifname, .eq, .string("virbr0"))), .action(.reject(with: "icmp port-unreachable"))],
                     "oifname \"virbr0\" reject"),
            ]),
            FirewallChain(name: "guest_output", rules: [
                rule(1, [.match(Match(.ipSaddr, .eq, guests)), .match(Match(.iifname, .eq, .string("virbr0"))), .action(.accept)],
                     "ip saddr 192.168.122.0/24 iifname \"virbr0\" accept"),
            ]),
            FirewallChain(name: "postrouting", base: BaseChain(type: .nat, hook: .postrouting, priority: 100, policy: .accept), rules: [
                rule(1, [.match(Match(.ipSaddr, .eq, guests)), .match(Match(.ipDaddr, .ne, guests)),
                         .action(.masquerade(ports: PortRange(low: 1024, high: 65535), flags: []))],
                     "ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 masquerade to :1024-65535"),
            ]),
        ])
        return HostState(
            hostname: "hv", collectedAt: Date(timeIntervalSince1970: 0),
            coverage: Coverage(links: .live, routes: .live, sysctls: .live, nftables: .live),
            addresses: [InterfaceAddress(linkName: "eth0", linkIndex: 2, address: ip("203.0.113.2"), prefixLength: 24, scope: .global)],
            routes: [route("0.0.0.0/0", via: "203.0.113.254", dev: "eth0"), route("203.0.113.0/24", dev: "eth0"),
                     route("192.168.122.0/24", dev: "virbr0")],
            sysctls: Sysctls(values: ["net.ipv4.ip_forward": "1"]), firewall: Firewall(tables: [table]))
    }()

    private static func render(from source: String, to destination: String, in device: String?, state: ConntrackState = .new,
                               on host: HostState = host, color: Bool = false) -> String {
        let probe = PacketProbe(inInterface: device, outInterface: nil, source: ip(source), destination: ip(destination),
                                l4Protocol: 6, sourcePort: 40000, destinationPort: 443, conntrack: state)
        return ExplainRenderer.render(PathReport(planPath(probe, on: host), probe: probe), color: color)
    }

    @Test func guestToLANReadsAsAWalkthroughEndingMasqueraded() {
        let text = Self.render(from: "192.168.122.11", to: "198.51.100.1", in: "virbr0")
        #expect(text == """
            packet  tcp 192.168.122.11:40000 -> 198.51.100.1:443, new, in on virbr0

            1. INGRESS  no base chain
            2. PREROUTING  no base chain
            3. ROUTING  forward out of eth0 to 203.0.113.254
                 no ipv4 policy rules recorded; using the kernel defaults
                 rule 0 (lookup table 255) matches
                 table 255: no route to 198.51.100.1
                 rule 32766 (lookup table 254) matches
                 table 254: unicast 0.0.0.0/0 via 203.0.113.254 dev eth0
            4. FORWARD
               nf_tables ip libvirt_network forward (priority 0)  accept
                   handle 11: jump guest_output  -> jump guest_output
                   guest_output handle 11: ip saddr 192.168.122.0/24 iifname "virbr0" accept  -> accept
            5. POSTROUTING
               nf_tables ip libvirt_network postrouting (priority 100)  masquerade to the address of eth0 ports 1024-65535
                   handle 11: ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 masquerade to :1024-65535  -> masquerade to the address of the egress interface ports 1024-65535

            source NAT       masquerade to the address of eth0 ports 1024-65535
            leaves by        eth0, from 203.0.113.2 to 198.51.100.1
            fate             ACCEPTED

            """)
    }

    @Test func aRejectedPacketNamesTheDecidingRule() {
        let text = Self.render(from: "198.51.100.1", to: "192.168.122.11", in: "eth0")
        #expect(text.hasSuffix("fate             REJECTED by forward ip libvirt_network forward: handle 12: oifname \"virbr0\" reject\n"))
        #expect(!text.contains("leaves by"))
    }

    @Test func anUnknownFateListsWhatCouldNotBeDecided() {
        var unread = Self.host
        // Only rp_filter known (off): the source passes, and forwarding is what stays open.
        unread.sysctls = Sysctls(values: ["net.ipv4.conf.all.rp_filter": "0"])
        unread.coverage.sysctls = .notCollected
        let text = Self.render(from: "192.168.122.11", to: "198.51.100.1", in: "virbr0", on: unread)
        #expect(text.contains("NOTE  net.ipv4.ip_forward was not recorded: forwarding unknown"))
        #expect(text.hasSuffix("""
            fate             UNKNOWN: it depends on what the model cannot decide:
              - net.ipv4.ip_forward was not recorded: forwarding unknown

            """))
    }

    @Test func aLocallyGeneratedPacketSaysSo() {
        let text = Self.render(from: "203.0.113.2", to: "198.51.100.1", in: nil)
        #expect(text.hasPrefix("packet  tcp 203.0.113.2:40000 -> 198.51.100.1:443, new, generated by the host\n"))
        #expect(text.contains("OUTPUT"))
    }

    @Test func colourOnlyWhenAskedAndOnlyAsEscapeCodes() {
        let plain = Self.render(from: "198.51.100.1", to: "192.168.122.11", in: "eth0")
        let coloured = Self.render(from: "198.51.100.1", to: "192.168.122.11", in: "eth0", color: true)
        #expect(!plain.contains("\u{1B}["))
        #expect(coloured.contains("\u{1B}[31mREJECTED\u{1B}[0m"))
        let stripped = coloured.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(stripped == plain)
    }

    @Test func aBridgedFrameShowsTheBridgeLayerAndBrNetfilter() {
        var host = Self.host
        host.sysctls.values["net.bridge.bridge-nf-call-iptables"] = "1"
        host.firewall.tables.append(FirewallTable(system: .nftables, family: .bridge, name: "br", chains: [
            FirewallChain(name: "fwd", base: BaseChain(type: .filter, hook: .forward, priority: -200, policy: .accept), rules: [
                FirewallRule(position: 1, handle: 4, elements: [.match(Match(.iifname, .eq, .string("vnet0"))), .action(.counter)],
                             text: "iifname \"vnet0\" counter"),
            ]),
        ]))
        let probe = PacketProbe(inInterface: nil, outInterface: nil, source: Self.ip("192.168.122.11"),
                                destination: Self.ip("192.168.122.12"), l4Protocol: 17, sourcePort: 5353, destinationPort: 53,
                                bridgePortIn: "vnet0", bridgePortOut: "vnet1")
        let text = ExplainRenderer.render(PathReport(planBridgedPath(probe, bridge: "virbr0", on: host), probe: probe), color: false)
        #expect(text.hasPrefix("packet  udp 192.168.122.11:5353 -> 192.168.122.12:53, new, bridged from port vnet0 to port vnet1\n"))
        #expect(text.contains("NOTE  bridged by virbr0 from port vnet0 to port vnet1: no routing decision"))
        #expect(text.contains("NOTE  net.bridge.bridge-nf-call-iptables = 1: br_netfilter runs the ip hooks for frames bridged by virbr0"))
        #expect(text.contains("FORWARD (bridge)\n   nf_tables bridge br fwd (priority -200)  end of chain: policy accept"))
        #expect(text.contains("""
            4. PREROUTING  no base chain
            5. FORWARD (bridge)
               nf_tables bridge br fwd (priority -200)  end of chain: policy accept
            6. FORWARD
               nf_tables ip libvirt_network forward (priority 0)  accept
            """))
        // libvirt's guest_output accepts it: it came in on virbr0 from the guests' subnet.
        #expect(text.hasSuffix("leaves by        vnet1, from 192.168.122.11 to 192.168.122.12\nfate             ACCEPTED\n"))
    }
}
