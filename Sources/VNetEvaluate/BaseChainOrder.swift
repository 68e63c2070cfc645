import VNetModel

/// A base chain with the table it belongs to, as registered at one hook.
struct RegisteredChain {
    let table: FirewallTable
    let chain: FirewallChain
    let base: BaseChain
}

enum BaseChainOrder {
    /// Every base chain a packet of `family` meets on `visit`, across both rule systems: in the routed
    /// layer ip tables for IPv4, ip6 for IPv6, inet for both, netdev at ingress and egress; in the bridge
    /// layer bridge tables (arp tables see no IP packet). Sorted by priority; ties keep x_tables before nf_tables, then the order of `firewall.tables` and of
    /// their chains (the kernel runs ties in registration order, which the model does not record).
    /// Ingress and egress chains (inet and netdev tables) hook only their devices: `device` is the packet's interface there.
    static func chains(on visit: HookVisit, family: AddressFamily, device: String?, in firewall: Firewall) -> [RegisteredChain] {
        let families = visit.families(for: family)
        let found = firewall.tables.enumerated().flatMap { tableIndex, table in
            table.chains.enumerated().compactMap { chainIndex, chain -> (key: [Int], chain: RegisteredChain)? in
                guard families.contains(table.family), !table.flags.contains("dormant"),
                      let base = chain.base, base.hook == visit.hook, visit.priorities.contains(base.priority),
                      base.devices.isEmpty || device.map(base.devices.contains) == true else { return nil }
                let systemRank = table.system == .xtables ? 0 : 1
                return ([base.priority, systemRank, tableIndex, chainIndex],
                        RegisteredChain(table: table, chain: chain, base: base))
            }
        }
        return found.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.chain)
    }
}
