import VNetModel

/// VNA-011: strict reverse-path filtering (effective rp_filter 1) on a network's bridge or uplink (field
/// notes cause 13). IPv4 only: IPv6 has no rp_filter sysctl.
struct StrictRPFilterRule: CatalogueRule {
    let id = "VNA-011"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).compactMap { network in
            network.ips(.ipv4).isEmpty ? nil : judge(network, scope.host)
        }
    }

    private func judge(_ network: LibvirtNetwork, _ host: HostState) -> RuleOutcome {
        let interfaces = ([network.bridgeName].compactMap { $0 } + host.uplinks(of: network, .ipv4))
        let values = interfaces.map { ($0, host.sysctls.rpFilter(link: $0)) }
        let evidence = values.map { name, value in
            Evidence.state("rp_filter of \(name): max(all \(host.sysctls["net.ipv4.conf.all.rp_filter"] ?? "?"), own \(host.sysctls["net.ipv4.conf.\(name).rp_filter"] ?? "?")) = \(value.map(String.init) ?? "unknown")",
                           source: "sysctl net.ipv4.conf.\(name).rp_filter", value: value.map(String.init))
        }
        if let (strict, _) = values.first(where: { $0.1 == 1 }) {
            return RuleOutcome(network: network.name, status: .warn,
                               message: "Strict rp_filter (1) on \(strict) of network '\(network.name)': IPv4 packets whose route back leaves by another interface are dropped silently.",
                               family: .ipv4, evidence: evidence, placeholders: ["interface": strict])
        }
        let unknown = values.filter { $0.1 == nil }.map(\.0)
        if !unknown.isEmpty || interfaces.isEmpty {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "rp_filter of \(unknown.isEmpty ? "the interfaces of network '\(network.name)'" : unknown.joined(separator: ", ")) was not recorded.",
                               family: .ipv4, evidence: evidence)
        }
        return RuleOutcome(network: network.name, status: .pass,
                           message: "rp_filter is off or loose on \(interfaces.joined(separator: ", ")) of network '\(network.name)'.",
                           family: .ipv4, evidence: evidence)
    }
}
