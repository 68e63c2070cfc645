import VNetEvaluate
import VNetModel

/// VNA-010: br_netfilter sends frames bridged between the ports of a network's bridge through the IP
/// FORWARD hook (field notes cause 3). A bridged packet that FORWARD drops is a failure on any bridge. A
/// host bridge that is filtered but passes is a warning (its guests depend on every FORWARD chain of the
/// host); a libvirt bridge that passes is fine (libvirt accepts same-bridge traffic itself).
struct BrNetfilterRule: CatalogueRule {
    let id = "VNA-010"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).flatMap { network in
            (network.mode == .bridge ? AddressFamily.allCases : network.families).map { judge(network, $0, scope.host) }
        }
    }

    private func judge(_ network: LibvirtNetwork, _ family: AddressFamily, _ host: HostState) -> RuleOutcome {
        let key = family == .ipv4 ? "net.bridge.bridge-nf-call-iptables" : "net.bridge.bridge-nf-call-ip6tables"
        guard let bridge = network.bridgeName, let link = host.link(named: bridge) else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "The bridge of network '\(network.name)' (\(network.bridgeName ?? "unnamed")) is not on the host: whether br_netfilter filters it is unknown.",
                               family: family, evidence: [.state("no link named \(network.bridgeName ?? "(unnamed)")", source: "links")])
        }
        let global = family == .ipv4 ? host.sysctls.bridgeCallsIptables : host.sysctls.bridgeCallsIp6tables
        let own = family == .ipv4 ? link.bridge?.nfCallIptables : link.bridge?.nfCallIp6tables
        let evidence = [Evidence.state("\(key) = \(host.sysctls[key] ?? "absent")", source: "sysctl \(key)", value: host.sysctls[key]),
                        .state("\(bridge) nf_call_\(family == .ipv4 ? "iptables" : "ip6tables") = \(own.map { $0 ? "1" : "0" } ?? "not reported")",
                               source: "link \(bridge)")]
        if global == nil && host.coverage.sysctls == .notCollected {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "Sysctls were not read: whether br_netfilter filters \(bridge) is unknown.", family: family, evidence: evidence)
        }
        guard global == true || own == true else {
            let why = global == nil ? "br_netfilter is not loaded" : "\(key) = 0 and \(bridge)'s own nf_call option is off"
            return RuleOutcome(network: network.name, status: .pass,
                               message: "\(why): \(family.label) frames bridged on \(bridge) of network '\(network.name)' bypass the IP firewall.",
                               family: family, evidence: evidence)
        }
        let walk = FirewallWalk(bridgedPacket(network, bridge, family, host), hooks: [.prerouting, .forward, .postrouting], on: host)
        let placeholders = ["bridge": bridge]
        let filtered = "br_netfilter sends \(family.label) frames bridged on \(bridge) of network '\(network.name)' through FORWARD (\(global == true ? "\(key) = 1" : "\(bridge) nf_call on"))"
        switch walk.result.fate {
        case .dropped, .rejected:
            return RuleOutcome(network: network.name, status: .fail,
                               message: "\(filtered), and \(walk.stopLocation) (\(walk.stopText)) \(walk.verb) them: guests on \(bridge) lose \(network.mode == .bridge ? "the LAN" : "each other").",
                               family: family, evidence: evidence + [walk.evidence], placeholders: placeholders)
        case .unknown:
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "\(filtered); whether FORWARD lets them pass depends on rules the evaluator cannot decide: \(walk.result.unknownBecause.joined(separator: "; ")).",
                               family: family, evidence: evidence + [walk.evidence], placeholders: placeholders)
        case .accepted where network.mode != .bridge:
            return RuleOutcome(network: network.name, status: .pass,
                               message: "\(filtered); FORWARD lets same-bridge traffic pass.",
                               family: family, evidence: evidence + [walk.evidence])
        case .accepted:
            return RuleOutcome(network: network.name, status: .warn,
                               message: "\(filtered); FORWARD lets them pass today, but any forward drop added later will cut bridged guests off.",
                               family: family, evidence: evidence + [walk.evidence], placeholders: placeholders)
        }
    }

    /// A new connection between two hosts on the bridge: two guest addresses of a libvirt network, or hosts
    /// of a host bridge's segment (its own subnet, or a documentation prefix when it has no address).
    private func bridgedPacket(_ network: LibvirtNetwork, _ bridge: String, _ family: AddressFamily, _ host: HostState) -> PacketProbe {
        let (source, destination): (IPAddress, IPAddress)
        if let ip = network.ips(family).first {
            (source, destination) = (ip.guestAddress, IPAddress.offset(ip.guestAddress, by: 1))
        } else {
            let segment = host.addresses(of: bridge).first { $0.family == family && !$0.address.isLinkLocal }?.prefix
                ?? (family == .ipv4 ? IPPrefix(IPAddress(ipv4: 0xC000_0200), length: 24) : IPPrefix(IPAddress(ipv6High: 0x2001_0db8_ffff_0000, low: 0), length: 64))
            (source, destination) = (IPAddress.offset(segment.network, by: 10), IPAddress.offset(segment.network, by: 1))
        }
        return PacketProbe(inInterface: bridge, outInterface: bridge, source: source, destination: destination,
                           l4Protocol: 6, sourcePort: 40000, destinationPort: 8080)
    }
}
