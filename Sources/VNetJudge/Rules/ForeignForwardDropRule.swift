import VNetEvaluate
import VNetModel

/// VNA-002: a base chain at FORWARD that libvirt did not make drops the network's guest traffic
/// (field notes causes 1, 2, 4, 6). Walks the guest's new outbound connection and the reply coming back
/// (and, for routed networks, a new inbound connection) through PREROUTING, FORWARD and POSTROUTING.
struct ForeignForwardDropRule: CatalogueRule {
    let id = "VNA-002"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).flatMap { network in network.families.map { judge(network, $0, scope.host) } }
    }

    private func judge(_ network: LibvirtNetwork, _ family: AddressFamily, _ host: HostState) -> RuleOutcome {
        guard let bridge = network.bridgeName, let ip = network.ips(family).first else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "Network '\(network.name)' has no bridge name recorded: its traffic cannot be walked.", family: family,
                               evidence: [.definition(network, network.bridgeName == nil ? "no <bridge name=...>" : "no \(family.label) <ip>")])
        }
        let uplinks = host.uplinks(of: network, family)
        guard !uplinks.isEmpty else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "No \(family.label) uplink for network '\(network.name)' (no forward dev, no default route): its forwarded traffic cannot be walked.",
                               family: family, evidence: [.state("no \(family.label) default route in the main table", source: "routes"),
                                                          .definition(network, "no <forward dev=...>")])
        }
        let walks = uplinks.flatMap { packets(bridge: bridge, guest: ip.guestAddress, uplink: $0, mode: network.mode, host: host) }
            .map { FirewallWalk($0, hooks: [.prerouting, .forward, .postrouting], on: host) }
        let evidence = walks.map(\.evidence)
        if let foreign = walks.first(where: { $0.stoppedAt != nil && !$0.stoppedByLibvirt }), let step = foreign.stoppedAt {
            // On an open network the host firewall is the only policy: a drop there may be intended.
            let status: CheckStatus = network.mode == .open ? .warn : .fail
            let manager = FirewallManager.owner(of: step, chain: foreign.stoppingRule?.chain, in: host.firewall)
            let openings = [OpeningRule(inInterface: bridge), OpeningRule(outInterface: bridge, established: true)]
                + (network.mode == .route ? [OpeningRule(outInterface: bridge)] : [])
            let managed = manager.map { manager in openings.flatMap { manager.opening($0, at: step, in: host.firewall) ?? [] } } ?? []
            return RuleOutcome(network: network.name, status: status,
                               message: "\(family.label) traffic of network '\(network.name)' (\(foreign.packetText)) is \(foreign.result.fate.rawValue) by \(foreign.stopLocation) (\(foreign.stopText)), which libvirt did not add\(manager.map { ": \($0.displayName)'s" } ?? "").",
                               family: family, evidence: evidence,
                               commands: managed.isEmpty ? step.insertCommands(
                                   iptables: ["-i \(bridge) -j ACCEPT", "-o \(bridge) -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"],
                                   nft: ["iifname \"\(bridge)\" accept", "oifname \"\(bridge)\" ct state related,established accept"]) : managed)
        }
        if let unknown = walks.first(where: { $0.result.fate == .unknown }) {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "The fate of \(unknown.packetText) of network '\(network.name)' depends on rules the evaluator cannot decide: \(unknown.result.unknownBecause.joined(separator: "; ")).",
                               family: family, evidence: evidence)
        }
        let byLibvirt = walks.filter(\.stoppedByLibvirt).map(\.packetText)
        let note = byLibvirt.isEmpty ? "" : " (libvirt's own rules stop \(byLibvirt.joined(separator: ", ")); the mode claims judge that)"
        return RuleOutcome(network: network.name, status: .pass,
                           message: "No table or backend other than libvirt's stops \(family.label) traffic of network '\(network.name)' through \(uplinks.joined(separator: ", "))\(note).",
                           family: family, evidence: evidence)
    }

    /// The guest's new outbound connection, its reply, and for routed networks a new inbound connection.
    private func packets(bridge: String, guest: IPAddress, uplink: String, mode: ForwardMode, host: HostState) -> [PacketProbe] {
        let outside = host.outsideAddress(guest.family, via: uplink)
        var probes = [
            PacketProbe(inInterface: bridge, outInterface: uplink, source: guest, destination: outside,
                        l4Protocol: 6, sourcePort: 40000, destinationPort: 443),
            PacketProbe(inInterface: uplink, outInterface: bridge, source: outside, destination: guest,
                        l4Protocol: 6, sourcePort: 443, destinationPort: 40000, conntrack: .established),
        ]
        if mode == .route {
            probes.append(PacketProbe(inInterface: uplink, outInterface: bridge, source: outside, destination: guest,
                                      l4Protocol: 6, sourcePort: 40001, destinationPort: 22))
        }
        return probes
    }
}
