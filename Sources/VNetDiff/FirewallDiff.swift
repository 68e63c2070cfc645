import VNetModel

/// The firewall changes between two states. Rules are matched by content (their elements and comment),
/// never by position, handle or counters: inserting a rule at the top of a chain shifts every position
/// below it but changes nothing else, and a rule that only changed place among the others is `moved`.
/// A table or chain added or removed is one change, followed by each of its chains and rules, so the
/// policy or rule that explains a regression can be shown by itself.
enum FirewallDiff {
    static func changes(before: Firewall, after: Firewall) -> [StateChange] {
        var changes: [StateChange] = []
        let beforeTables = Dictionary(before.tables.map { (FirewallLocation($0), $0) }, uniquingKeysWith: { first, _ in first })
        let afterTables = Dictionary(after.tables.map { (FirewallLocation($0), $0) }, uniquingKeysWith: { first, _ in first })
        for location in Set(beforeTables.keys).union(afterTables.keys).sorted() {
            switch (beforeTables[location], afterTables[location]) {
            case let (old?, new?): changes += tableChanges(old, new)
            case let (old?, nil):
                changes.append(tableChange(.removed, old, location))
                changes += tableChanges(old, FirewallTable(system: old.system, family: old.family, name: old.name))
            case let (nil, new?):
                changes.append(tableChange(.added, new, location))
                changes += tableChanges(FirewallTable(system: new.system, family: new.family, name: new.name), new)
            case (nil, nil): break
            }
        }
        return changes
    }

    private static func tableChange(_ kind: StateChange.Kind, _ table: FirewallTable, _ location: FirewallLocation) -> StateChange {
        let rules = table.chains.reduce(0) { $0 + $1.rules.count }
        let summary = "\(table.chains.count) chains, \(rules) rules"
        return StateChange(area: .firewallTable, kind: kind, subject: "table \(location)",
                           before: kind == .removed ? summary : nil, after: kind == .added ? summary : nil, location: location,
                           inert: table.chains.allSatisfy(isInert))
    }

    private static func tableChanges(_ old: FirewallTable, _ new: FirewallTable) -> [StateChange] {
        var changes: [StateChange] = []
        let names = old.chains.map(\.name) + new.chains.map(\.name).filter { old.chain($0) == nil }
        for name in names {
            let location = FirewallLocation(old, chain: name)
            switch (old.chain(name), new.chain(name)) {
            case let (before?, after?):
                if let change = chainHeaderChange(before, after, location) { changes.append(change) }
                changes += ruleChanges(before.rules, after.rules, location)
            case let (before?, nil):
                changes.append(StateChange(area: .firewallChain, kind: .removed, subject: "chain \(location)",
                                           before: chainSummary(before), location: location, inert: isInert(before)))
                changes += ruleChanges(before.rules, [], location)
            case let (nil, after?):
                changes.append(StateChange(area: .firewallChain, kind: .added, subject: "chain \(location)",
                                           after: chainSummary(after), location: location, inert: isInert(after)))
                changes += ruleChanges([], after.rules, location)
            case (nil, nil): break
            }
        }
        return changes
    }

    /// No rule and no drop policy: the chain lets every packet through unchanged.
    private static func isInert(_ chain: FirewallChain) -> Bool {
        chain.rules.isEmpty && chain.base?.policy != .drop
    }

    /// `hook forward priority 0 policy drop, 3 rules`, or `regular chain, 3 rules`.
    static func chainSummary(_ chain: FirewallChain) -> String {
        "\(chainHeader(chain)), \(chain.rules.count) rules"
    }

    private static func chainHeader(_ chain: FirewallChain) -> String {
        guard let base = chain.base else { return "regular chain" }
        let devices = base.devices.isEmpty ? "" : " devices \(base.devices.joined(separator: ","))"
        return "type \(base.type.rawValue) hook \(base.hook.rawValue)\(devices) priority \(base.priority) policy \(base.policy.rawValue)"
    }

    /// A changed policy, hook or priority (policy counters do not count).
    private static func chainHeaderChange(_ before: FirewallChain, _ after: FirewallChain, _ location: FirewallLocation) -> StateChange? {
        var old = before.base, new = after.base
        old?.policyCounters = nil
        new?.policyCounters = nil
        guard old != new else { return nil }
        return StateChange(area: .firewallChain, kind: .changed, subject: "chain \(location)",
                           before: chainHeader(before), after: chainHeader(after), location: location)
    }

    /// What a rule does, without where it stands or what it counted.
    struct RuleContent: Hashable {
        var elements: [RuleElement]
        var comment: String?
        init(_ rule: FirewallRule) {
            elements = rule.elements
            comment = rule.comment
        }
    }

    /// Added and removed rules (multiset difference of contents), then the common rules outside the
    /// longest common subsequence of both orders: those moved.
    static func ruleChanges(_ before: [FirewallRule], _ after: [FirewallRule], _ location: FirewallLocation) -> [StateChange] {
        let oldContents = before.map(RuleContent.init), newContents = after.map(RuleContent.init)
        let (keptBefore, removed) = matched(oldContents, in: newContents)
        let (keptAfter, added) = matched(newContents, in: keptBefore.map { oldContents[$0] })
        var changes = removed.map { ruleChange(.removed, location, before: before[$0]) }
            + added.map { ruleChange(.added, location, after: after[$0]) }
        // keptBefore and keptAfter hold the same multiset of contents; what is not in their longest common
        // subsequence changed place.
        let inOrder = longestCommonSubsequence(keptBefore.map { oldContents[$0] }, keptAfter.map { newContents[$0] })
        var movedAfter = Dictionary(keptAfter.enumerated().filter { !inOrder.after.contains($0.offset) }
            .map { (newContents[$0.element], [$0.element]) }, uniquingKeysWith: +)
        for (offset, index) in keptBefore.enumerated() where !inOrder.before.contains(offset) {
            let content = oldContents[index]
            guard var targets = movedAfter[content], !targets.isEmpty else { continue }
            let target = targets.removeFirst()
            movedAfter[content] = targets
            changes.append(ruleChange(.moved, location, before: before[index], after: after[target]))
        }
        return changes
    }

    /// Indices of `contents` that have a match in `other` (each match used once), and those that have none.
    private static func matched(_ contents: [RuleContent], in other: [RuleContent]) -> (kept: [Int], unmatched: [Int]) {
        var remaining = Dictionary(other.map { ($0, 1) }, uniquingKeysWith: +)
        var kept: [Int] = [], unmatched: [Int] = []
        for (index, content) in contents.enumerated() {
            if let count = remaining[content], count > 0 {
                remaining[content] = count - 1
                kept.append(index)
            } else {
                unmatched.append(index)
            }
        }
        return (kept, unmatched)
    }

    private static func ruleChange(_ kind: StateChange.Kind, _ location: FirewallLocation,
                                   before: FirewallRule? = nil, after: FirewallRule? = nil) -> StateChange {
        StateChange(area: .firewallRule, kind: kind, subject: "rule in \(location)",
                    before: before?.text, after: after?.text, location: location,
                    positionBefore: before?.position, positionAfter: after?.position)
    }

    /// Beyond this many cells (4 M, 32 MB) the dynamic programming table is not built.
    static let maximumTableCells = 4_000_000

    /// Offsets into `a` and `b` of one longest common subsequence. The common head and tail are taken
    /// as they are (an edit is usually local), and dynamic programming runs on what is left between them.
    private static func longestCommonSubsequence<T: Hashable>(_ a: [T], _ b: [T]) -> (before: Set<Int>, after: Set<Int>) {
        var head = 0
        while head < a.count && head < b.count && a[head] == b[head] { head += 1 }
        var tail = 0
        while tail < a.count - head && tail < b.count - head && a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
        var inA = Set(0..<head).union((a.count - tail)..<a.count)
        var inB = Set(0..<head).union((b.count - tail)..<b.count)
        let x = Array(a[head..<(a.count - tail)]), y = Array(b[head..<(b.count - tail)])
        guard !x.isEmpty, !y.isEmpty else { return (inA, inB) }
        guard x.count * y.count <= maximumTableCells else {
            let (keptX, keptY) = increasingPairs(x, y)
            return (inA.union(keptX.map { head + $0 }), inB.union(keptY.map { head + $0 }))
        }
        var lengths = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                lengths[i][j] = x[i] == y[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var i = 0, j = 0
        while i < x.count && j < y.count {
            if x[i] == y[j] {
                inA.insert(head + i)
                inB.insert(head + j)
                i += 1
                j += 1
            } else if lengths[i + 1][j] >= lengths[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return (inA, inB)
    }

    /// For sequences too long for the table: the k-th occurrence of each content in `b` is paired with its
    /// k-th occurrence in `a`, and the longest run of pairs increasing in both (patience sorting,
    /// O(n log n)) is kept. Exact when no content repeats, close otherwise.
    private static func increasingPairs<T: Hashable>(_ a: [T], _ b: [T]) -> (before: [Int], after: [Int]) {
        var occurrences = Dictionary(grouping: a.indices, by: { a[$0] })
        var pairs: [(a: Int, b: Int)] = []
        for (j, element) in b.enumerated() {
            guard var list = occurrences[element], !list.isEmpty else { continue }
            pairs.append((list.removeFirst(), j))
            occurrences[element] = list
        }
        // tails[k]: index into pairs of the smallest last a-offset of an increasing run of length k+1.
        var tails: [Int] = []
        var previous = Array(repeating: -1, count: pairs.count)
        for (p, pair) in pairs.enumerated() {
            var low = 0, high = tails.count
            while low < high {
                let middle = (low + high) / 2
                if pairs[tails[middle]].a < pair.a { low = middle + 1 } else { high = middle }
            }
            previous[p] = low > 0 ? tails[low - 1] : -1
            if low == tails.count { tails.append(p) } else { tails[low] = p }
        }
        var kept: [(a: Int, b: Int)] = []
        var p = tails.last ?? -1
        while p >= 0 {
            kept.append(pairs[p])
            p = previous[p]
        }
        return (kept.map(\.a), kept.map(\.b))
    }
}

