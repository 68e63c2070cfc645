import VNetModel

/// Where routing sends a packet, with the rules, tables and routes it went through as evidence.
public struct RoutingDecision: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Delivered to the host itself (a `local` or `broadcast` route); the device of the route, if any.
        case local(device: String?)
        /// Sent out of `device` to `nextHop`: the gateway, or the destination itself for an on-link route.
        case forward(device: String?, nextHop: IPAddress, route: Route)
        /// A blackhole, unreachable or prohibit route or policy rule; `route` nil for a rule.
        case dropped(reason: String, route: Route?)
        /// No rule's table held a matching route.
        case noRoute
        /// A selector, action or route type the model cannot decide.
        case unknown(reason: String)
    }

    public var outcome: Outcome
    /// Human-readable trace: each rule tried, each table looked up, the route chosen.
    public var steps: [String]
    /// The policy rule whose action or lookup gave the outcome; nil when no rule did (no route, unknown,
    /// or decided before any rule).
    public var decidingRule: PolicyRule?

    public init(outcome: Outcome, steps: [String], decidingRule: PolicyRule? = nil) {
        self.outcome = outcome
        self.steps = steps
        self.decidingRule = decidingRule
    }
}
