import VNetModel

extension MatchEvaluator {
    /// `ct status` / `--ctstatus`: any of the named status bits set (`ne`: none of them). Nil when
    /// `match` is not a status match.
    func conntrackStatus(_ match: Match) -> ThreeValued? {
        guard match.field == .ctStatus else { return nil }
        guard [.new, .established, .related].contains(probe.conntrack) else { return .no }  // no conntrack entry
        let wanted: [String]
        switch match.value {
        case .symbol(let name): wanted = [name]
        case .flags(let names) where !names.isEmpty: wanted = names
        case .set(let members):
            let names = members.compactMap { if case .symbol(let s) = $0 { s } else { nil } }
            guard names.count == members.count else { return .unknown }
            wanted = names
        default: return .unknown
        }
        let any = ThreeValued.any(wanted, hasStatus)
        switch match.op {
        case .eq: return any
        case .ne: return !any
        default: return .unknown
        }
    }

    /// Whether the connection has one status bit while this packet crosses the hooks. Decided for the
    /// first packet of a new connection (the evaluator saw all of it); for later packets only what the
    /// state implies (an established connection is confirmed and has seen a reply).
    private func hasStatus(_ flag: String) -> ThreeValued {
        switch (probe.conntrack, flag) {
        // A new connection is confirmed when its first packet leaves POSTROUTING/INPUT; a local packet
        // looping back through lo was confirmed on the way out.
        case (.new, "confirmed"): return ThreeValued(probe.natIsBound)
        case (.new, "snat"), (.new, "dnat"): return ThreeValued(probe.boundNAT.contains(flag))
        case (.new, "expected"), (.new, "seen-reply"), (.new, "assured"), (.new, "dying"): return .no
        case (.established, "confirmed"), (.established, "seen-reply"): return .yes
        default: return .unknown
        }
    }
}
