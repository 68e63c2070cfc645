import VNetModel

/// VNA-013: the device a network forwards through is missing or down (field notes cause 20): the
/// `<forward dev>` of nat and route networks, the host bridge of bridge networks, the `<interface dev>`
/// pool of macvtap networks.
struct ForwardDevMissingRule: CatalogueRule {
    let id = "VNA-013"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).map { judge($0, scope.host) }
    }

    /// The devices the network's traffic must leave through.
    private func devices(_ network: LibvirtNetwork) -> [String] {
        switch network.mode {
        case .bridge: return network.bridgeName.map { [$0] } ?? []
        case .nat, .route: return network.forward.dev.map { [$0] } ?? []
        default: return network.forward.dev.map { [$0] } ?? network.forward.interfaces
        }
    }

    private func judge(_ network: LibvirtNetwork, _ host: HostState) -> RuleOutcome {
        let names = devices(network)
        guard !names.isEmpty else {
            return RuleOutcome(network: network.name, status: .pass,
                               message: "Network '\(network.name)' names no forward device: it leaves through whatever uplink routing picks.",
                               evidence: [.definition(network, "no <forward dev=...>")])
        }
        guard host.coverage.links != .notCollected else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "Links were not read: whether \(names.joined(separator: ", ")) of network '\(network.name)' exist is unknown.",
                               evidence: [.notCollected("links")])
        }
        let evidence = names.map { name in
            host.link(named: name).map { Evidence.state("\(name): admin \($0.adminUp ? "up" : "down"), oper \($0.operState.rawValue), carrier \($0.carrier)", source: "link \(name)") }
                ?? .state("\(name) does not exist", source: "links")
        }
        if let missing = names.first(where: { host.link(named: $0) == nil }) {
            return RuleOutcome(network: network.name, status: .fail,
                               message: "Device \(missing) of \(network.mode.rawValue) network '\(network.name)' does not exist (renamed or removed): guest traffic has no way out.",
                               evidence: evidence, placeholders: ["network": network.name])
        }
        if let down = names.compactMap(host.link(named:)).first(where: { !$0.adminUp || $0.operState == .down || $0.operState == .lowerLayerDown }) {
            return RuleOutcome(network: network.name, status: .fail,
                               message: "Device \(down.name) of \(network.mode.rawValue) network '\(network.name)' is \(down.adminUp ? "without carrier (oper \(down.operState.rawValue))" : "administratively down"): guest traffic has no way out.",
                               evidence: evidence, placeholders: ["network": network.name, "device": down.name])
        }
        return RuleOutcome(network: network.name, status: .pass,
                           message: "\(names.joined(separator: ", ")) of network '\(network.name)' exist and are up.", evidence: evidence)
    }
}
