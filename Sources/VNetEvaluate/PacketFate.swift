import VNetModel

/// What finally happens to a packet: the three-valued answer of the evaluator.
public enum PacketFate: String, Codable, Sendable, Hashable {
    case accepted
    case dropped
    case rejected
    /// The answer depends on something the evaluator cannot decide (an unknown element, an
    /// undecidable match); the trace names the rule.
    case unknown
}
