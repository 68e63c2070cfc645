import VNetModel

/// The packet the evaluator walks through the hooks: what the caller knows about one packet of a flow.
/// Routing is taken as given: the caller names the interfaces and, in `evaluate`, the hook sequence.
public struct PacketProbe: Sendable, Hashable {
    /// Where the packet came in; nil for a packet the host itself generates.
    public var inInterface: String?
    /// Where routing sends it out; nil for local delivery.
    public var outInterface: String?
    public var source: IPAddress
    public var destination: IPAddress
    /// Transport protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6).
    public var l4Protocol: UInt8
    /// Ports of a port-carrying protocol; nil when the caller did not say (port matches are then unknown).
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    public var icmpType: UInt8?
    public var icmpCode: UInt8?
    public var conntrack: ConntrackState
    /// Packet mark (`meta mark`, `-m mark`); nil when unknown, so mark matches stay unknown.
    public var mark: UInt64?
    /// Set once a NAT rule sent the packet to an address the model cannot name (a range, a redirect):
    /// destination address matches are then unknown.
    var destinationIsUnknown = false
    /// Set once the connection's NAT was bound on the way out (a locally generated packet looping back
    /// through `lo`): the nat chains do not see it again when it comes back in.
    var natIsBound = false

    public init(inInterface: String?, outInterface: String?, source: IPAddress, destination: IPAddress,
                l4Protocol: UInt8, sourcePort: UInt16? = nil, destinationPort: UInt16? = nil,
                icmpType: UInt8? = nil, icmpCode: UInt8? = nil, conntrack: ConntrackState = .new,
                mark: UInt64? = 0) {
        self.inInterface = inInterface
        self.outInterface = outInterface
        self.source = source
        self.destination = destination
        self.l4Protocol = l4Protocol
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.icmpType = icmpType
        self.icmpCode = icmpCode
        self.conntrack = conntrack
        self.mark = mark
    }

    /// The layer-3 family, taken from the source address.
    public var family: AddressFamily { source.family }
}

/// Conntrack state of the packet, spelled as `ct state` names.
public enum ConntrackState: String, Codable, Sendable, Hashable, CaseIterable {
    case new, established, related, invalid, untracked

    /// NAT is decided on the first packet of a connection only: later packets skip the nat chains.
    var traversesNATChains: Bool { self == .new }
}
