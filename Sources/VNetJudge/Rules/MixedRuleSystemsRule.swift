import VNetModel

/// VNA-003: legacy x_tables and nf_tables both filter one family at one hook (field notes causes 1, 12).
/// A legacy chain counts only when it can change something (a rule or a drop policy): an empty legacy
/// table with accept policies, which x_tables cannot unregister, is harmless.
struct MixedRuleSystemsRule: CatalogueRule {
    let id = "VNA-003"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        let coverage = scope.host.coverage
        let parts = [("nf_tables", "nftables", coverage.nftables), ("legacy IPv4", "legacyIPv4", coverage.legacyIPv4),
                     ("legacy IPv6", "legacyIPv6", coverage.legacyIPv6)]
        let unread = parts.filter { $0.2 == .notCollected }
        // Base chains are few, regular ones may be tens of thousands: find the base ones once.
        let filterChains = scope.host.firewall.tables.flatMap { table in
            table.chains.indices.compactMap { table.chains[$0].base?.type == .filter ? (table, table.chains[$0]) : nil }
        }
        let mixed = AddressFamily.allCases.flatMap { family in
            Hook.allCases.compactMap { overlap(family, $0, filterChains) }
        }
        if !mixed.isEmpty {
            return mixed.map { found in
                RuleOutcome(network: nil, status: .warn,
                            message: "\(found.family.label) \(found.hook.rawValue): legacy \(found.legacy.map(\.name).joined(separator: ", ")) and nf_tables \(found.nft.map(\.name).joined(separator: ", ")) both filter; iptables-nft and nft do not show the legacy rules, iptables-legacy does not show the nf_tables ones.",
                            family: found.family, evidence: (found.legacy + found.nft).map(\.evidence))
            }
        }
        if !unread.isEmpty {
            return [RuleOutcome(network: nil, status: .inconclusive,
                                message: "The \(unread.map(\.0).joined(separator: " and ")) rules were not read: whether both rule systems filter the same hook is unknown.",
                                evidence: unread.map { .notCollected($0.1) })]
        }
        return [RuleOutcome(network: nil, status: .pass,
                            message: "No hook has filter chains of both legacy iptables and nf_tables that could change a verdict.",
                            evidence: [.state("\(filterChains.filter { $0.0.system == .xtables }.count) legacy and \(filterChains.filter { $0.0.system == .nftables }.count) nf_tables filter base chains",
                                              source: "firewall")])]
    }

    private struct Chain {
        let name: String
        let evidence: Evidence
    }

    private struct Overlap {
        let family: AddressFamily
        let hook: Hook
        let legacy: [Chain]
        let nft: [Chain]
    }

    /// The legacy and nf_tables chains among `filterChains` (every filter base chain with its table, in
    /// table and chain order) that filter `family` at `hook`, when both kinds do.
    private func overlap(_ family: AddressFamily, _ hook: Hook, _ filterChains: [(FirewallTable, FirewallChain)]) -> Overlap? {
        let families: [TableFamily] = family == .ipv4 ? [.ip, .inet] : [.ip6, .inet]
        func chains(_ system: RuleSystem) -> [Chain] {
            filterChains.compactMap { table, chain -> Chain? in
                guard table.system == system, families.contains(table.family), let base = chain.base, base.hook == hook else { return nil }
                if system == .xtables && chain.rules.isEmpty && base.policy == .accept { return nil }
                let name = "\(table.family.rawValue) \(table.name) \(chain.name)"
                return Chain(name: name, evidence: .state("\(system.rawValue) \(name): policy \(base.policy.rawValue), \(chain.rules.count) rules",
                                                           source: "\(system.rawValue) \(name)"))
            }
        }
        let legacy = chains(.xtables), nft = chains(.nftables)
        guard !legacy.isEmpty, !nft.isEmpty else { return nil }
        return Overlap(family: family, hook: hook, legacy: legacy, nft: nft)
    }
}
