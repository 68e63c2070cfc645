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
    /// Where the NAT core registers its own hook entry (NF_IP_PRI_NAT_DST, NF_IP_PRI_NAT_SRC; the same
    /// for IPv6): every nat chain, of any table or rule system, is called from there, in the order of its
    /// own priority. So a filter chain at -120 runs before a dstnat chain that declares -150.
    static func natCorePriority(at hook: Hook) -> Int? {
        switch hook {
        case .prerouting, .output: return -100
        case .postrouting, .input: return 100
        case .forward, .ingress, .egress: return nil
        }
    }

    /// The priority a base chain runs at among all chains of its hook, and its order inside the NAT
    /// core's entry (`Int.min` for the others: a chain at the NAT core's own priority is taken to run
    /// before it, as the kernel's registration order is not in the model).
    static func runOrder(of base: BaseChain) -> (priority: Int, withinNAT: Int) {
        guard base.type == .nat, let core = natCorePriority(at: base.hook) else { return (base.priority, Int.min) }
        return (core, base.priority)
    }

    /// Every base chain a packet of `family` meets on `visit`, across both rule systems: in the routed
    /// layer ip tables for IPv4, ip6 for IPv6, inet for both, netdev at ingress and egress; in the bridge
    /// layer bridge tables (arp tables see no IP packet). Sorted by the priority they run at (nat chains at
    /// the NAT core's, see `runOrder`); ties keep x_tables before nf_tables, then the order of `firewall.tables` and of
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
