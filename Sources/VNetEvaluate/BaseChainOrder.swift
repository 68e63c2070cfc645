import VNetModel

/// A base chain with the table it belongs to, as registered at one hook.
struct RegisteredChain: Sendable {
    let tableIndex: TableIndex
    /// Where the chain is in its table's `chains`.
    let position: Int
    let base: BaseChain

    init(table: TableIndex, position: Int, base: BaseChain) {
        tableIndex = table
        self.position = position
        self.base = base
    }

    var table: FirewallTable { tableIndex.table }
    var chain: FirewallChain { tableIndex.table.chains[position] }
}

enum BaseChainOrder {
    /// Every base chain a packet of `family` meets on `visit`, across both rule systems: in the routed
    /// layer ip tables for IPv4, ip6 for IPv6, inet for both, netdev at ingress and egress; in the bridge
    /// layer bridge tables (arp tables see no IP packet). Sorted by priority; ties keep x_tables before nf_tables, then the order of `firewall.tables` and of
    /// their chains (the kernel runs ties in registration order, which the model does not record).
    /// Ingress and egress chains (inet and netdev tables) hook only their devices: `device` is the packet's interface there.
    static func chains(on visit: HookVisit, family: AddressFamily, device: String?, in firewall: Firewall) -> [RegisteredChain] {
        chains(on: visit, family: family, device: device, in: FirewallIndex.of(firewall))
    }

    static func chains(on visit: HookVisit, family: AddressFamily, device: String?, in index: FirewallIndex) -> [RegisteredChain] {
        let families = visit.families(for: family)
        return index.baseChains.filter { registered in
            let base = registered.base
            return base.hook == visit.hook && families.contains(registered.table.family) && visit.priorities.contains(base.priority)
                && (base.devices.isEmpty || device.map(base.devices.contains) == true)
        }
    }
}
