import Synchronization
import VNetModel

/// What the walks need to find fast in a firewall, computed once per firewall: every base chain in hook
/// order, each table's chains by name, and for long chains which rules can match a packet (`RuleIndex`).
/// A check walks hundreds of packets through the same firewall of maybe 100,000 rules, so this is built
/// on the first walk and kept (see `of(_:)`).
final class FirewallIndex: Sendable {
    let firewall: Firewall
    let tables: [TableIndex]
    /// Every base chain of a table that is not dormant, in the order the kernel runs them at one hook:
    /// by the priority they run at, x_tables before nf_tables, then table and chain order (see
    /// `BaseChainOrder`). NAT chains run inside the NAT core's hook entry, ordered there by their own priority.
    let baseChains: [RegisteredChain]

    /// `indexingRules` false walks every rule of every chain (the plain walk the rule indexes must agree with).
    init(_ firewall: Firewall, indexingRules: Bool = true) {
        self.firewall = firewall
        tables = firewall.tables.map { TableIndex($0, indexingRules: indexingRules) }
        var found: [(key: [Int], chain: RegisteredChain)] = []
        for (tableIndex, table) in tables.enumerated() where !table.table.flags.contains("dormant") {
            for chainIndex in table.table.chains.indices {
                guard let base = table.table.chains[chainIndex].base else { continue }
                let systemRank = table.table.system == .xtables ? 0 : 1
                let order = BaseChainOrder.runOrder(of: base)
                found.append(([order.priority, order.withinNAT, systemRank, tableIndex, chainIndex],
                              RegisteredChain(table: table, position: chainIndex, base: base)))
            }
        }
        baseChains = found.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.chain)
    }

    /// The index of `firewall`, built on first use. The last few are kept, keyed by the identity of the
    /// firewall's table storage: a `HostState` passed around by value shares that storage, and while the
    /// cache holds the firewall the storage can neither change (copy on write) nor be reused by another.
    static func of(_ firewall: Firewall) -> FirewallIndex {
        let key = storageIdentity(firewall)
        if let hit = cache.withLock({ entries in entries.first { $0.key == key }?.index }) { return hit }
        let index = FirewallIndex(firewall)
        cache.withLock { entries in
            entries.removeAll { $0.key == key }
            entries.insert((key, index), at: 0)
            if entries.count > cacheSize { entries.removeLast() }
        }
        return index
    }

    private static let cacheSize = 4
    private static let cache = Mutex<[(key: UInt, index: FirewallIndex)]>([])

    private static func storageIdentity(_ firewall: Firewall) -> UInt {
        firewall.tables.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }
}

/// One table, with its chains found by name and the rule indexes of its long chains. Both are made on
/// first use: a kube-proxy nat table has 60,000 chains, of which a check walks a handful.
final class TableIndex: Sendable {
    let table: FirewallTable
    private let indexingRules: Bool
    /// Chain lookups so far, by name (nil: no such chain).
    private let positions = Mutex<[String: Int?]>([:])
    /// Rule indexes made so far, by chain position (nil: the chain is walked rule by rule).
    private let ruleIndexes = Mutex<[Int: RuleIndex?]>([:])

    init(_ table: FirewallTable, indexingRules: Bool) {
        self.table = table
        self.indexingRules = indexingRules
    }

    /// Where the chain named `name` is in `table.chains`: the first of that name, as
    /// `FirewallTable.chain(_:)` finds it.
    func position(of name: String) -> Int? {
        positions.withLock { found in
            if let known = found[name] { return known }
            let position = table.chains.firstIndex { $0.name == name }
            found[name] = position
            return position
        }
    }

    /// The rule index of the chain at `position`; nil when it is walked rule by rule (a short chain, no
    /// guards, or indexing off).
    func ruleIndex(at position: Int) -> RuleIndex? {
        guard indexingRules else { return nil }
        return ruleIndexes.withLock { made in
            if let known = made[position] { return known }
            let index = RuleIndex(rules: table.chains[position].rules)
            made[position] = index
            return index
        }
    }
}
