import VNetModel

/// Collects tables, chains, sets and rules as a decoder meets them (each refers to its parents by
/// family and name) and assembles them in the order met, which is the kernel's order in both a
/// netlink dump and `nft -j list ruleset`.
struct NftRulesetBuilder {
    private struct TableKey: Hashable { let family: TableFamily; let table: String }
    private struct ChainKey: Hashable { let family: TableFamily; let table: String; let chain: String }

    private var tables: [FirewallTable] = []
    private var tableIndex: [TableKey: Int] = [:]
    private var chainIndex: [ChainKey: (table: Int, chain: Int)] = [:]

    /// Adds a table; false when one of that family and name exists already.
    mutating func add(_ table: FirewallTable) -> Bool {
        let key = TableKey(family: table.family, table: table.name)
        guard tableIndex[key] == nil else { return false }
        tableIndex[key] = tables.count
        tables.append(table)
        return true
    }

    func hasTable(_ family: TableFamily, _ table: String) -> Bool {
        tableIndex[TableKey(family: family, table: table)] != nil
    }

    /// Adds a chain to its table; false when the table is unknown or the chain exists already.
    mutating func add(_ chain: FirewallChain, family: TableFamily, table: String) -> Bool {
        guard let t = tableIndex[TableKey(family: family, table: table)] else { return false }
        let key = ChainKey(family: family, table: table, chain: chain.name)
        guard chainIndex[key] == nil else { return false }
        chainIndex[key] = (t, tables[t].chains.count)
        tables[t].chains.append(chain)
        return true
    }

    /// Adds a named set or map to its table; false when the table is unknown.
    mutating func add(_ set: NamedSet, family: TableFamily, table: String) -> Bool {
        guard let t = tableIndex[TableKey(family: family, table: table)] else { return false }
        tables[t].sets.append(set)
        return true
    }

    /// Appends a rule built for its 1-based position; false when the chain is unknown.
    mutating func addRule(family: TableFamily, table: String, chain: String,
                          _ make: (_ position: Int) -> FirewallRule) -> Bool {
        guard let (t, c) = chainIndex[ChainKey(family: family, table: table, chain: chain)] else { return false }
        tables[t].chains[c].rules.append(make(tables[t].chains[c].rules.count + 1))
        return true
    }

    var result: [FirewallTable] { tables }
}

/// Rule pieces both decoders fill: counters found among the statements are summed onto the rule.
struct NftRuleParts {
    var elements: [RuleElement] = []
    var counters: Counters?
    /// A comment carried by an iptables-nft `-m comment` compat match (used when the rule has none).
    var compatComment: String?

    mutating func addCounter(packets: UInt64, bytes: UInt64) {
        elements.append(.action(.counter))
        counters = Self.sum(counters, packets: packets, bytes: bytes)
    }

    /// Several counter statements in one rule add up (wrapping, as the kernel's do).
    static func sum(_ old: Counters?, packets: UInt64, bytes: UInt64) -> Counters {
        Counters(packets: (old?.packets ?? 0) &+ packets, bytes: (old?.bytes ?? 0) &+ bytes)
    }

    func rule(position: Int, handle: UInt64?, comment: String?) -> FirewallRule {
        let note = comment ?? compatComment
        return FirewallRule(position: position, handle: handle, elements: elements, counters: counters, comment: note,
                            text: NftRuleText.render(elements, comment: note))
    }
}
