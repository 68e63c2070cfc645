import VNetModel

/// VNA-012: the MTUs of a network's bridge, its ports, its configured `<mtu>` and its uplink disagree
/// (field notes cause 15). The remediation lowers the larger side to the smaller MTU.
struct MTUMismatchRule: CatalogueRule {
    let id = "VNA-012"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).map { judge($0, scope.host) }
    }

    private struct Mismatch {
        /// The interface with the larger MTU, and the MTU it should have.
        let interface: String
        let mtu: Int
        let text: String
    }

    private func judge(_ network: LibvirtNetwork, _ host: HostState) -> RuleOutcome {
        guard let bridgeName = network.bridgeName, let bridge = host.link(named: bridgeName) else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "The bridge of active network '\(network.name)' (\(network.bridgeName ?? "unnamed")) is not on the host: its MTUs cannot be compared.",
                               evidence: [.state("no link named \(network.bridgeName ?? "(unnamed)")", source: "links")])
        }
        var mismatches: [Mismatch] = []
        for port in host.ports(of: bridgeName) where port.mtu != bridge.mtu {
            let larger = port.mtu > bridge.mtu ? port.name : bridgeName
            mismatches.append(Mismatch(interface: larger, mtu: min(port.mtu, bridge.mtu),
                                       text: "port \(port.name) MTU \(port.mtu) vs bridge \(bridgeName) MTU \(bridge.mtu)"))
        }
        if let configured = network.mtu, configured != bridge.mtu {
            mismatches.append(Mismatch(interface: bridgeName, mtu: min(configured, bridge.mtu),
                                       text: "bridge \(bridgeName) MTU \(bridge.mtu) vs the network's <mtu size='\(configured)'/>"))
        }
        if network.mode != .bridge && network.mode != .isolated {
            for uplink in Set(AddressFamily.allCases.flatMap { host.uplinks(of: network, $0) }).sorted() {
                guard let link = host.link(named: uplink), link.mtu < bridge.mtu else { continue }
                mismatches.append(Mismatch(interface: bridgeName, mtu: link.mtu,
                                           text: "bridge \(bridgeName) MTU \(bridge.mtu) above uplink \(uplink) MTU \(link.mtu)"))
            }
        }
        let evidence = ([bridge] + host.ports(of: bridgeName)).map { Evidence.state("\($0.name) MTU \($0.mtu)", source: "link \($0.name)", value: String($0.mtu)) }
        guard let first = mismatches.first else {
            return RuleOutcome(network: network.name, status: .pass,
                               message: "Bridge \(bridgeName) of network '\(network.name)', its ports and its uplink agree on MTU \(bridge.mtu) (or the uplink's is larger).",
                               evidence: evidence)
        }
        return RuleOutcome(network: network.name, status: .warn,
                           message: "MTU mismatch on network '\(network.name)': \(mismatches.map(\.text).joined(separator: "; ")).",
                           evidence: evidence,
                           placeholders: ["network": network.name, "interface": first.interface, "mtu": String(first.mtu)])
    }
}
