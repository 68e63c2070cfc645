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
    /// Everything above in the order the packet met it, for a walkthrough.
    public var stages: [PathStage] = []
    /// Where the packet leaves the host when it gets through: the egress device of a forwarded or
    /// locally generated packet, the out-port of a bridged frame; nil for local delivery or a stopped packet.
    public var egressInterface: String?
    /// The source address it leaves with after NAT; nil when it did not get through or the address
    /// cannot be named (a masquerade to a device with no recorded address, an address range).
    public var sourceAfterNAT: IPAddress?
    /// The destination address after NAT; nil when it did not get through or cannot be named.
    public var destinationAfterNAT: IPAddress?
}

/// One thing a packet met on its way, in order.
public enum PathStage: Sendable, Hashable {
    /// The base chains it met at one hook (empty when no table has a chain there).
    case hook(Hook, [PathStep])
    case routing(RoutingDecision)
    /// A decision that is neither a chain nor a route (a sysctl, a re-route, a redirect).
    case note(String)
}
