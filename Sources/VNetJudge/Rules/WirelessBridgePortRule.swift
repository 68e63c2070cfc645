import VNetModel

/// VNA-014: a wireless NIC is a port of a bridge network's bridge, or the lower device of a macvtap
/// network (field notes cause 17). Wireless detection is the collector's `Link.wireless` (sysfs
/// `wireless` / `phy80211`).
struct WirelessBridgePortRule: CatalogueRule {
    let id = "VNA-014"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).map { judge($0, scope.host) }
    }

    private func judge(_ network: LibvirtNetwork, _ host: HostState) -> RuleOutcome {
        guard host.coverage.links != .notCollected else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "Links were not read: whether network '\(network.name)' rides on a wireless NIC is unknown.",
                               evidence: [.notCollected("links")])
        }
        let carriers: [Link]
        if network.mode == .bridge {
            carriers = network.bridgeName.map(host.ports(of:)) ?? []
        } else {
            carriers = (network.forward.dev.map { [$0] } ?? network.forward.interfaces).compactMap(host.link(named:))
        }
        let evidence = carriers.map { Evidence.state("\($0.name): \($0.wireless ? "wireless" : "not wireless")", source: "link \($0.name)") }
        if let wireless = carriers.first(where: \.wireless) {
            let role = network.mode == .bridge ? "is a port of bridge \(network.bridgeName ?? "?")" : "is the macvtap lower device"
            return RuleOutcome(network: network.name, status: .fail,
                               message: "Wireless NIC \(wireless.name) \(role) of network '\(network.name)': most Wi-Fi cannot carry guests' own MAC addresses.",
                               evidence: evidence, placeholders: ["network": network.name, "device": wireless.name])
        }
        return RuleOutcome(network: network.name, status: .pass,
                           message: carriers.isEmpty ? "Network '\(network.name)' has no device on the host to check."
                               : "No wireless NIC carries network '\(network.name)' (\(carriers.map(\.name).joined(separator: ", "))).",
                           evidence: evidence)
    }
}
