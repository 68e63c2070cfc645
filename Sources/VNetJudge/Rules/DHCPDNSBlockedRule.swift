import VNetEvaluate
import VNetModel

/// VNA-006: the host firewall stops DHCP or DNS from the network's guests on their way to libvirt's
/// dnsmasq (field notes causes 4, 7). Walks each request through PREROUTING and INPUT.
struct DHCPDNSBlockedRule: CatalogueRule {
    let id = "VNA-006"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).flatMap { network in
            network.families.compactMap { judge(network, $0, scope.host) }
        }
    }

    private func judge(_ network: LibvirtNetwork, _ family: AddressFamily, _ host: HostState) -> RuleOutcome? {
        guard let bridge = network.bridgeName else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "Network '\(network.name)' has no bridge name recorded: its DHCP and DNS cannot be walked.", family: family,
                               evidence: [.definition(network, "no <bridge name=...>")])
        }
        let probes = network.ips(family).flatMap { requests(network, $0, bridge) }
        guard !probes.isEmpty else { return nil }
        let walks = probes.map { FirewallWalk($0, hooks: [.prerouting, .input], on: host) }
        let evidence = walks.map(\.evidence)
        let dhcpPort = family == .ipv4 ? 67 : 547
        if let blocked = walks.first(where: { $0.stoppedAt != nil }), let step = blocked.stoppedAt {
            let all = walks.filter { $0.stoppedAt != nil }.map(\.packetText)
            let manager = FirewallManager.owner(of: step, chain: blocked.stoppingRule?.chain, in: host.firewall)
            let openings = [OpeningRule(inInterface: bridge, transport: ("udp", UInt16(dhcpPort))),
                            OpeningRule(inInterface: bridge, transport: ("udp", 53)), OpeningRule(inInterface: bridge, transport: ("tcp", 53))]
            let managed = manager.map { manager in openings.flatMap { manager.opening($0, at: step, in: host.firewall) ?? [] } } ?? []
            return RuleOutcome(network: network.name, status: .fail,
                               message: "\(blocked.stopLocation) (\(blocked.stopText))\(manager.map { ", \($0.displayName)'s," } ?? "") \(blocked.verb) guests of network '\(network.name)' on their way to dnsmasq: \(all.joined(separator: "; ")).",
                               family: family, evidence: evidence,
                               commands: !managed.isEmpty ? managed : step.insertCommands(
                                   iptables: ["-i \(bridge) -p udp -m multiport --dports 53,\(dhcpPort) -j ACCEPT", "-i \(bridge) -p tcp --dport 53 -j ACCEPT"],
                                   nft: ["iifname \"\(bridge)\" udp dport { 53, \(dhcpPort) } accept", "iifname \"\(bridge)\" tcp dport 53 accept"]))
        }
        if let unknown = walks.first(where: { $0.result.fate == .unknown }) {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "Whether \(unknown.packetText) of network '\(network.name)' reaches dnsmasq depends on rules the evaluator cannot decide: \(unknown.result.unknownBecause.joined(separator: "; ")).",
                               family: family, evidence: evidence)
        }
        return RuleOutcome(network: network.name, status: .pass,
                           message: "The host accepts \(family.label) DHCP and DNS from guests of network '\(network.name)' on \(bridge).",
                           family: family, evidence: evidence)
    }

    /// DHCP (v4 broadcast discover, v6 solicit to the all-servers group) when dnsmasq serves it, and DNS over
    /// udp and tcp to the bridge address when DNS is on.
    private func requests(_ network: LibvirtNetwork, _ ip: NetworkIP, _ bridge: String) -> [PacketProbe] {
        var probes: [PacketProbe] = []
        if network.servesDHCP(ip) {
            probes.append(ip.family == .ipv4
                ? PacketProbe(inInterface: bridge, outInterface: nil, source: IPAddress(ipv4: 0), destination: IPAddress(ipv4: .max),
                              l4Protocol: 17, sourcePort: 68, destinationPort: 67)
                : PacketProbe(inInterface: bridge, outInterface: nil, source: IPAddress(ipv6High: 0xfe80_0000_0000_0000, low: 0x5054_00ff_fe00_0001),
                              destination: IPAddress(ipv6High: 0xff02_0000_0000_0000, low: 0x0001_0002),
                              l4Protocol: 17, sourcePort: 546, destinationPort: 547))
        }
        if network.servesDNS {
            for proto: UInt8 in [17, 6] {
                probes.append(PacketProbe(inInterface: bridge, outInterface: nil, source: ip.guestAddress, destination: ip.address,
                                          l4Protocol: proto, sourcePort: 40053, destinationPort: 53))
            }
        }
        return probes
    }
}
