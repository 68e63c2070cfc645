import VNetModel

/// Decides matches of one table's rules for one packet at one hook. Named sets resolve in `table`.
/// Anything it cannot compare answers `.unknown`, never `.no`.
struct MatchEvaluator {
    let table: FirewallTable
    let probe: PacketProbe
    let hook: Hook
    /// The host's address types for `addrtype`; nil when the walk has no host (all unknown).
    let addressTypes: AddressTypes?

    /// Fields decided from the packet's bridge and conntrack information rather than by `lookup`.
    static func decidedApart(_ field: MatchField) -> Bool {
        physdevFields.contains(field) || field == .ctStatus
    }

    static let physdevFields: Set<MatchField> = [.physdevIn, .physdevOut, .physdevIsIn, .physdevIsOut, .physdevIsBridged]

    func evaluate(_ match: Match) -> ThreeValued {
        if let decided = physdev(match) ?? conntrackStatus(match) { return decided }
        switch lookup(match.field) {
        case .absent: return .no
        case .unknown: return .unknown
        case .value(let packet):
            switch match.op {
            case .eq: return contains(match.value, packet)
            case .ne: return !contains(match.value, packet)
            case .lt, .gt, .le, .ge: return compare(packet, match.op, match.value)
            }
        }
    }

    /// The packet's value of `field`, with the host's addresses, routes and rules for the fields
    /// that depend on them (`addrtype`, `pkttype`, `fib`, `ct mark`).
    func lookup(_ field: MatchField) -> PacketField.Lookup {
        if let fib = field.fibParts { return fibLookup(keyFlags: fib.flags, result: fib.result) }
        if field == .pkttype { return packetType() }
        if field == .ctMark { return conntrackMark() }
        guard field == .srcAddrType || field == .dstAddrType else {
            return PacketField.lookup(field, in: probe, at: hook, family: table.family)
        }
        if field == .dstAddrType ? probe.destinationIsUnknown : probe.sourceIsUnknown { return .unknown }
        let address = field == .srcAddrType ? probe.source : probe.destination
        return addressTypes?.type(of: address).map { .value(.flags([$0])) } ?? .unknown
    }

    /// Whether `packet` is one of the values `pattern` stands for (a value, a range, a set...).
    func contains(_ pattern: MatchValue, _ packet: PacketField) -> ThreeValued {
        switch (pattern, packet) {
        case (.string(let s), .name(let n)): return ThreeValued(n == s)
        case (.wildcard(let prefix), .name(let n)): return ThreeValued(n.hasPrefix(prefix))
        case (.integer(let i), .number(let n)): return ThreeValued(n == i)
        case (.range(let low, let high), .number(let n)): return ThreeValued(low <= n && n <= high)
        case (.maskedInteger(let value, let mask), .number(let n)): return ThreeValued(n & mask == value)
        case (.prefix(let p), .address(let a)): return ThreeValued(p.family == a.family && p.contains(a))
        case (.addressRange(let low, let high), .address(let a)):
            return ThreeValued(low.family == a.family && low <= a && a <= high)
        case (.symbol(let s), .number(let n)): return nfprotoSymbol(s).map { ThreeValued($0 == n) } ?? .unknown
        case (.symbol(let s), .flags(let f)): return ThreeValued(f.contains(s))
        case (.flags(let wanted), .flags(let f)): return ThreeValued(!f.isDisjoint(with: wanted))
        case (.flagsMasked(let mask, let set), .flags(let f)): return ThreeValued(f.intersection(mask) == Set(set))
        // `fib ... oif exists|missing`: an empty name is a lookup that found no route.
        case (.bool(let exists), .name(let n)): return ThreeValued(!n.isEmpty == exists)
        case (.set(let members), _): return ThreeValued.any(members) { contains($0, packet) }
        case (.namedSet(let name), _):
            guard let set = table.set(name) else { return .unknown }
            return ThreeValued.any(set.elements) { contains($0.key, packet) }
        default: return .unknown
        }
    }

    /// `<`, `>`, `<=`, `>=` on plain numbers; anything else cannot be compared.
    private func compare(_ packet: PacketField, _ op: MatchOp, _ value: MatchValue) -> ThreeValued {
        guard case .number(let n) = packet, case .integer(let v) = value else { return .unknown }
        switch op {
        case .lt: return ThreeValued(n < v)
        case .gt: return ThreeValued(n > v)
        case .le: return ThreeValued(n <= v)
        case .ge: return ThreeValued(n >= v)
        case .eq, .ne: return .unknown
        }
    }

    private func nfprotoSymbol(_ s: String) -> UInt64? {
        switch s {
        case "ipv4": return 2
        case "ipv6": return 10
        default: return nil
        }
    }
}
