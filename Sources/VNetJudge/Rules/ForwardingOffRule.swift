import VNetModel

/// VNA-001: the forwarding sysctl of a family the network carries is off (field notes cause 8).
struct ForwardingOffRule: CatalogueRule {
    let id = "VNA-001"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.flatMap { network in
            network.families.map { outcome(network, $0, scope.host.sysctls) }
        }
    }

    private func outcome(_ network: LibvirtNetwork, _ family: AddressFamily, _ sysctls: Sysctls) -> RuleOutcome {
        let key = family == .ipv4 ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding"
        let value = family == .ipv4 ? sysctls.ipv4Forwarding : sysctls.ipv6ForwardingAll
        let evidence = [Evidence.state("\(key) = \(sysctls[key] ?? "not recorded")", source: "sysctl \(key)", value: sysctls[key])]
        switch value {
        case true?:
            return RuleOutcome(network: network.name, status: .pass,
                               message: "\(key) = 1: the host forwards \(family.label) for network '\(network.name)'.",
                               family: family, evidence: evidence)
        case false?:
            return RuleOutcome(network: network.name, status: .fail,
                               message: "\(key) = 0: the host forwards no \(family.label), so the \(network.mode.rawValue) network '\(network.name)' cannot reach beyond the host.",
                               family: family, evidence: evidence,
                               placeholders: ["sysctl": key, "family": family.rawValue])
        case nil:
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "\(key) was not recorded: whether the host forwards \(family.label) for '\(network.name)' is unknown.",
                               family: family, evidence: evidence)
        }
    }
}
