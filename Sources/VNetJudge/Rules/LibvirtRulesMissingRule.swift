import VNetModel

/// VNA-005: an active network whose bridge no rule of libvirt's backend mentions: a firewall reload
/// removed them (field notes causes 5, 11).
struct LibvirtRulesMissingRule: CatalogueRule {
    let id = "VNA-005"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).flatMap { network in
            (network.families.isEmpty ? [.ipv4] : network.families).map { judge(network, $0, scope.host) }
        }
    }

    private func judge(_ network: LibvirtNetwork, _ family: AddressFamily, _ host: HostState) -> RuleOutcome {
        guard let bridge = network.bridgeName else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "Network '\(network.name)' has no bridge name recorded: its rules cannot be looked for.", family: family,
                               evidence: [.definition(network, "no <bridge name=...>")])
        }
        let backend = network.recordedFirewallBackend ?? host.libvirt.configuredFirewallBackend
        let backends: [FirewallBackend] = backend.map { [$0] } ?? [.nftables, .iptables]
        let tableFamily: TableFamily = family == .ipv4 ? .ip : .ip6
        let found = host.firewall.tables.filter { $0.family == tableFamily }.flatMap { table in
            Self.libvirtChains(of: table, backends: backends).flatMap { index in
                    let chain = table.chains[index]
                    return chain.rules.filter { $0.mentions(interface: bridge) }.map { (table, chain, $0) }
                }
        }
        let backendText = backend.map { "libvirt's \($0.rawValue) backend" } ?? "either libvirt backend (none recorded)"
        if !found.isEmpty {
            let (table, chain, rule) = found[0]
            return RuleOutcome(network: network.name, status: .pass,
                               message: "\(found.count) \(family.label) rules of \(backendText) mention \(bridge) of network '\(network.name)'.",
                               family: family,
                               evidence: [Evidence(kind: .rule, summary: "first of \(found.count) rules mentioning \(bridge)",
                                                   source: "\(table.system.rawValue) \(table.family.rawValue) \(table.name) \(chain.name)", text: rule.text)])
        }
        let coverage = host.coverage
        let legacy = family == .ipv4 ? coverage.legacyIPv4 : coverage.legacyIPv6
        let unread = coverage.nftables == .notCollected || (backends.contains(.iptables) && legacy == .notCollected)
        if unread {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "No \(family.label) rule of \(backendText) mentions \(bridge), but part of the rule set was not read.",
                               family: family,
                               evidence: coverage.nftables == .notCollected ? [.notCollected("nftables")] : [.notCollected(family == .ipv4 ? "legacyIPv4" : "legacyIPv6")])
        }
        return RuleOutcome(network: network.name, status: .fail,
                           message: "Network '\(network.name)' is active but no \(family.label) rule of \(backendText) mentions its bridge \(bridge): its firewall rules were removed (\(Self.suspects(host.firewall))).",
                           family: family,
                           evidence: [.state("network '\(network.name)' active, backend \(backend?.rawValue ?? "not recorded")",
                                             source: network.sourceFiles.last ?? "libvirt")],
                           placeholders: ["network": network.name, "bridge": bridge])
    }

    /// Who can have removed libvirt's rules, from the tables on the host: a reload of the firewall
    /// manager whose tables are there, else any reload.
    static func suspects(_ firewall: Firewall) -> String {
        let reloads = FirewallManager.present(in: firewall).compactMap { manager -> String? in
            switch manager {
            case .firewalld: return "firewalld's tables are here: `firewall-cmd --reload` removes what libvirt added when libvirtd did not hear of the reload"
            case .nftablesConf: return "an nftables.conf table (inet filter) is here: `nft -f /etc/nftables.conf` and nftables.service reload start with `flush ruleset`"
            case .ufw: return "ufw's chains are here: `ufw reload` and iptables-restore rewrite whole iptables tables"
            case .libvirt, .docker, .kubeProxy: return nil
            }
        }
        return reloads.isEmpty ? "a firewall reload: nft flush ruleset, iptables-restore, a firewall service restart" : reloads.joined(separator: "; ")
    }

    /// Where the chains of `table` that `backends` make are: every chain of the libvirt_network table
    /// (nftables), and the LIBVIRT_* chains (iptables, through iptables-nft or legacy). A user's own rule
    /// naming the bridge elsewhere does not stand in for libvirt's.
    static func libvirtChains(of table: FirewallTable, backends: [FirewallBackend]) -> [Int] {
        if backends.contains(.nftables) && table.system == .nftables && table.name == StaleBackendRulesRule.nftablesTable {
            return Array(table.chains.indices)
        }
        guard backends.contains(.iptables) else { return [] }
        return table.chains.indices.filter { StaleBackendRulesRule.isIptablesChain(table.chains[$0].name) }
    }
}

extension FirewallRule {
    /// Fields naming an interface: by name (`iifname`, iptables `-i`), by index (`meta iif`, which libvirt's
    /// nftables backend uses), or as a bridge port.
    static let interfaceFields: Set<MatchField> = [.iifname, .oifname, MatchField("meta.iif"), MatchField("meta.oif"), .physdevIn, .physdevOut]

    /// Whether the rule matches on `interface` (in or out, also in a set of names).
    func mentions(interface: String) -> Bool {
        elements.contains { element in
            guard case .match(let match) = element, FirewallRule.interfaceFields.contains(match.field) else { return false }
            switch match.value {
            case .string(let name): return name == interface
            case .set(let values): return values.contains(.string(interface))
            default: return false
            }
        }
    }
}
