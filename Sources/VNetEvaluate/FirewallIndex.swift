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
    /// by priority, x_tables before nf_tables, then table and chain order (see `BaseChainOrder`).
    let baseChains: [RegisteredChain]

    /// `indexingRules` false walks every rule of every chain (the plain walk the rule indexes must agree with).
    init(_ firewall: Firewall, indexingRules: Bool = true) {
        self.firewall = firewall
        tables = firewall.tables.map { TableIndex($0, indexingRules: indexingRules) }
        var found: [(key: [Int], chain: RegisteredChain)] = []
        for (tableIndex, table) in tables.enumerated() where !table.table.flags.contains("dormant") {
            for (chainIndex, chain) in table.table.chains.enumerated() {
                guard let base = chain.base else { continue }
                let systemRank = table.table.system == .xtables ? 0 : 1
                found.append(([base.priority, systemRank, tableIndex, chainIndex],
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

/// One table with its chains by name and the rule indexes of its long chains.
final class TableIndex: Sendable {
    let table: FirewallTable
    private let positions: [String: Int]
    /// Parallel to `table.chains`; nil for chains short enough to walk rule by rule.
    let ruleIndexes: [RuleIndex?]

    init(_ table: FirewallTable, indexingRules: Bool) {
        self.table = table
        // The first chain of a name wins, as `FirewallTable.chain(_:)` finds it.
        positions = Dictionary(table.chains.enumerated().map { ($1.name, $0) }) { first, _ in first }
        ruleIndexes = table.chains.map { indexingRules ? RuleIndex(rules: $0.rules) : nil }
    }

    /// Where the chain named `name` is in `table.chains`.
    func position(of name: String) -> Int? { positions[name] }
}
