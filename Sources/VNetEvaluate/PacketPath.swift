import VNetModel

/// A packet's whole way through the host: the hooks it met in order, the routing decisions taken
/// between them, the firewall's walk over those hooks, and the final fate with its evidence.
public struct PacketPath: Sendable, Hashable {
    public var hooks: [Hook] = []
    /// One decision, or two when a locally generated packet is re-routed after OUTPUT changed it.
    public var routing: [RoutingDecision] = []
    /// The base chains met across all hooks, with the NAT bound on the way.
    public var firewall = PathResult(fate: .accepted)
    public var fate: PacketFate = .accepted
    /// Why routing or a sysctl decided the fate (the firewall's reasons are in `firewall`).
    public var evidence: [String] = []
}
