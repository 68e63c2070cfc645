import VNetModel

extension MatchEvaluator {
    /// `-m physdev` as xt_physdev decides it. Without bridge information every positive test fails and
    /// every negated one holds. With it, `physdev-in` holds when the in-port is unset, `physdev-out`
    /// fails when the out-port is unset (whatever the negation), and `is-in`/`is-out`/`is-bridged` ask
    /// whether the ports are set (the out-port is known from FORWARD on, and only for bridged frames).
    /// Nil when `match` is not a physdev match.
    func physdev(_ match: Match) -> ThreeValued? {
        guard Self.physdevFields.contains(match.field) else { return nil }
        let positive = match.op == .eq
        switch probe.bridgeNetfilter {
        case .none: return ThreeValued(!positive)
        case .unknown: return .unknown
        case .routedFromPort, .bridged: break
        }
        let outPortSet = probe.bridgeNetfilter == .bridged && [.forward, .postrouting].contains(hook)
        func isSet(_ set: Bool) -> ThreeValued {
            guard case .bool(let wanted) = match.value else { return .unknown }
            return ThreeValued(set == (wanted == positive))
        }
        switch match.field {
        case .physdevIsIn: return isSet(true)
        case .physdevIsOut, .physdevIsBridged: return isSet(outPortSet)
        case .physdevIn:
            guard let port = probe.bridgePortIn else { return .unknown }
            let named = contains(match.value, .name(port))
            return positive ? named : !named
        default:
            guard outPortSet else { return .no }
            guard let port = probe.bridgePortOut else { return .unknown }
            let named = contains(match.value, .name(port))
            return positive ? named : !named
        }
    }
}
