import VNetModel

/// Which rules of a long chain can match a packet, found with a few hash lookups instead of evaluating
/// every rule: a kube-proxy KUBE-SERVICES chain of 20,000 `-d VIP/32 -p tcp --dport P` rules, or a
/// FORWARD chain of 2,000 `-s CIDR -j TENANT` jumps, has one or two candidates for a given packet.
///
/// A rule is indexed by its guard: one equality match (an address prefix, an interface name, a number)
/// among the matches it opens with, before any statement. When the packet fails the guard the rule's
/// matches are `no` whatever the others say (Kleene and), and nothing before the guard acts, so the
/// rule is a plain "next rule" and the walk may pass over it. Every candidate is still evaluated in
/// full, in chain order: the index only leaves out rules that provably do nothing.
struct RuleIndex: Sendable {
    /// Rules without a guard, always candidates (ascending).
    private let unguarded: [Int]
    private let groups: [GuardGroup]

    /// Chains shorter than this are walked rule by rule.
    static let minimumRules = 16

    /// Nil when the chain is short or no rule has a guard.
    init?(rules: [FirewallRule]) {
        guard rules.count >= Self.minimumRules else { return nil }
        var unguarded: [Int] = []
        // Few kinds per chain, and runs of rules of one kind: a linear search from the last one.
        var kinds: [GuardGroup.Kind] = []
        var keyed: [[(key: GuardKey, offset: Int)]] = []
        var last = 0
        for (offset, rule) in rules.enumerated() {
            guard let (kind, key) = Self.guardOf(rule) else {
                unguarded.append(offset)
                continue
            }
            if kinds.isEmpty || kinds[last] != kind {
                if let found = kinds.firstIndex(of: kind) {
                    last = found
                } else {
                    kinds.append(kind)
                    keyed.append([])
                    last = kinds.count - 1
                }
            }
            keyed[last].append((key, offset))
        }
        guard !kinds.isEmpty else { return nil }
        self.unguarded = unguarded
        groups = zip(kinds, keyed).map { GuardGroup(kind: $0, guards: $1) }
    }

    /// The offsets of the rules that may match the packet `matcher` sees, ascending.
    func candidates(for matcher: MatchEvaluator) -> [Int] {
        var lists: [[Int]] = unguarded.isEmpty ? [] : [unguarded]
        for group in groups {
            let found = group.candidates(for: matcher)
            if !found.isEmpty { lists.append(found) }
        }
        switch lists.count {
        case 0: return []
        case 1: return lists[0]
        default: return lists.joined().sorted()
        }
    }

    /// The rule's guard: the first indexable match among those it opens with (`nil` when none). A
    /// statement ends the opening matches; so does an element the walk could stop at on its own.
    private static func guardOf(_ rule: FirewallRule) -> (GuardGroup.Kind, GuardKey)? {
        for element in rule.elements {
            switch element {
            case .match(let match):
                if let found = indexable(match) { return found }
            case .unknown(let element) where element.mayAffectVerdict:
                guard element.kind == "match" || element.kind == "expression" else { return nil }
            case .unknown:
                continue
            case .action:
                return nil
            }
        }
        return nil
    }

    /// An equality match on a plain packet field whose value hashes: a prefix, a name or a number.
    /// physdev and ct status matches are decided apart from the field lookup, so never guards; nor are
    /// the marks, the fields a rule can change while the walk goes on through the chain, because a
    /// chain's candidates are taken once, as the packet enters it.
    private static func indexable(_ match: Match) -> (GuardGroup.Kind, GuardKey)? {
        guard match.op == .eq, match.field != .mark, match.field != .ctMark, !MatchEvaluator.decidedApart(match.field) else { return nil }
        switch match.value {
        case .prefix(let prefix): return (GuardGroup.Kind(field: match.field, value: .prefix(length: prefix.length)), .address(prefix.network))
        case .string(let name): return (GuardGroup.Kind(field: match.field, value: .name), .name(name))
        case .integer(let number): return (GuardGroup.Kind(field: match.field, value: .number), .number(number))
        default: return nil
        }
    }
}

/// What a guard compares the packet's field with. Ordered so that a group's guards can be sorted and
/// searched (one group holds one case).
private enum GuardKey: Comparable, Sendable {
    case address(IPAddress)
    case name(String)
    case number(UInt64)
}

/// The rules guarded by equality on one field with one kind of value (for prefixes, of one length).
private struct GuardGroup: Sendable {
    struct Kind: Hashable, Sendable {
        let field: MatchField
        let value: ValueKind
    }

    enum ValueKind: Hashable, Sendable {
        /// The packet's address is masked to the length before the lookup.
        case prefix(length: Int)
        case name
        case number
    }

    let kind: Kind
    /// Every guard with its rule, by key then rule: a binary search finds the rules of one key. (Sorting
    /// once costs less than hashing every key of a 20,000-rule chain into a dictionary of arrays.)
    private let guards: [(key: GuardKey, offset: Int)]
    /// Every rule of the group, ascending: the candidates when the packet's field is unknown.
    let all: [Int]

    init(kind: Kind, guards: [(key: GuardKey, offset: Int)]) {
        self.kind = kind
        self.guards = guards.sorted { $0.key < $1.key || ($0.key == $1.key && $0.offset < $1.offset) }
        all = guards.map(\.offset)  // appended in chain order
    }

    /// The rules whose guard the packet may pass, as `MatchEvaluator.contains` decides it: none when
    /// the packet lacks the field (the match is `no`), all when its value is unknown or of another kind
    /// (the match is `unknown`), else those keyed by the packet's value.
    func candidates(for matcher: MatchEvaluator) -> [Int] {
        switch matcher.lookup(kind.field) {
        case .absent: return []
        case .unknown: return all
        case .value(let packet):
            switch (packet, kind.value) {
            // `IPPrefix.contains`: same family and the address masked to the length is the network.
            case (.address(let address), .prefix(let length)): return rules(keyed: .address(address.masked(to: length)))
            case (.name(let name), .name): return rules(keyed: .name(name))
            case (.number(let number), .number): return rules(keyed: .number(number))
            default: return all
            }
        }
    }

    /// The rules whose guard is `key`, ascending.
    private func rules(keyed key: GuardKey) -> [Int] {
        var low = 0, high = guards.count
        while low < high {
            let middle = (low + high) / 2
            if guards[middle].key < key { low = middle + 1 } else { high = middle }
        }
        var found: [Int] = []
        while low < guards.count && guards[low].key == key {
            found.append(guards[low].offset)
            low += 1
        }
        return found
    }
}
