import VNetModel

/// One pass of a packet over the base chains registered at a hook, in one layer of the stack. A routed
/// packet visits each hook once in the routed layer; a bridged frame visits the bridge layer, and
/// br_netfilter runs the routed layer's hooks from inside a bridge hook at one priority, which splits
/// that bridge hook's chains into those before and those after.
struct HookVisit: Hashable {
    enum Layer: Hashable {
        /// ip or ip6 tables, inet tables, and netdev tables at ingress and egress.
        case routed
        /// bridge tables.
        case bridge
    }

    var hook: Hook
    var layer: Layer
    /// Only the chains registered at these priorities (all of them but in a split bridge hook).
    var priorities: ClosedRange<Int> = Int.min...Int.max

    /// Table families whose chains this visit runs, for a packet of `family`.
    func families(for family: AddressFamily) -> [TableFamily] {
        switch layer {
        case .bridge: return [.bridge]
        case .routed:
            let own: [TableFamily] = family == .ipv4 ? [.ip, .inet] : [.ip6, .inet]
            return hook == .ingress || hook == .egress ? own + [.netdev] : own
        }
    }

    /// Whether `step` is a chain this visit ran.
    func ran(_ step: PathStep, family: AddressFamily) -> Bool {
        step.hook == hook && families(for: family).contains(step.family) && priorities.contains(step.priority)
    }
}
