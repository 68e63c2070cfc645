import VNetModel

/// A base chain with the table it belongs to, as registered at one hook.
struct RegisteredChain {
    let table: FirewallTable
    let chain: FirewallChain
    let base: BaseChain
}

enum BaseChainOrder {
    /// Every base chain a routed packet of `family` meets at `hook`, across both rule systems: ip tables
    /// for IPv4, ip6 for IPv6, inet for both (bridge, arp and netdev tables see no routed packet).
    /// Sorted by priority; ties keep x_tables before nf_tables, then the order of `firewall.tables` and of
    /// their chains (the kernel runs ties in registration order, which the model does not record).
    /// Ingress and egress chains (inet tables) hook only their devices: `device` is the packet's interface there.
    static func chains(at hook: Hook, family: AddressFamily, device: String?, in firewall: Firewall) -> [RegisteredChain] {
        let families: [TableFamily] = family == .ipv4 ? [.ip, .inet] : [.ip6, .inet]
        let found = firewall.tables.enumerated().flatMap { tableIndex, table in
            table.chains.enumerated().compactMap { chainIndex, chain -> (key: [Int], chain: RegisteredChain)? in
                guard families.contains(table.family), !table.flags.contains("dormant"),
                      let base = chain.base, base.hook == hook,
                      base.devices.isEmpty || device.map(base.devices.contains) == true else { return nil }
                let systemRank = table.system == .xtables ? 0 : 1
                return ([base.priority, systemRank, tableIndex, chainIndex],
                        RegisteredChain(table: table, chain: chain, base: base))
            }
        }
        return found.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.chain)
    }
}
