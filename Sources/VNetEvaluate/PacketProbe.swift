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
    /// Which way the packet goes in its connection (`ct direction`): replies of an established or
    /// related connection are `reply`; a new connection's first packet is always `original`.
    public var direction: ConntrackDirection = .original
    /// The bridge port a bridged frame came in on (`physdev-in`, the bridge family's `iifname`); nil when
    /// the packet is not bridged. A routed packet from a bridge may name its port here too.
    public var bridgePortIn: String?
    /// The bridge port a bridged frame leaves by (`physdev-out`, the bridge family's `oifname`); nil when
    /// the packet is not bridged.
    public var bridgePortOut: String?
    /// IPv4 TTL / IPv6 hop limit as the packet arrives, or as the host sends it; routing lowers it by
    /// one before FORWARD. nil: unknown, so `ip ttl` / `-m ttl` / `-m hl` matches are undecided.
    public var ttl: UInt8?
    /// The IP packet's total length in bytes (`meta length`, `-m length`, `ip length`); nil: unknown.
    public var length: UInt16?
    /// The 6-bit DSCP (`ip dscp`, `-m dscp`); nil: unknown.
    public var dscp: UInt8?
    /// TCP flags as nft names them (`syn`, `ack`...). nil: the first packet of a new connection is a
    /// bare SYN, as the kernel's TCP conntrack expects; any other packet's flags are unknown.
    public var tcpFlags: Set<String>?
    /// The connection's mark (`ct mark`, `-m connmark`). nil: a new connection's mark is 0 unless a
    /// rule on the way may set one; an existing connection's is unknown.
    public var conntrackMark: UInt64?
    /// Set once a NAT rule sent the packet to an address the model cannot name (a range, a redirect):
    /// destination address matches are then unknown.
    var destinationIsUnknown = false
    /// Set once a source NAT rule gave the packet an address the model cannot name (a range, a
    /// masquerade with no address to take): source address matches are then unknown.
    var sourceIsUnknown = false
    /// Set once a `notrack` ran before conntrack: the packet is untracked from then on, whatever state
    /// the caller gave it.
    var untrackedByRule = false
    /// Set once the connection's NAT was bound on the way out (a locally generated packet looping back
    /// through `lo`): the nat chains do not see it again when it comes back in.
    var natIsBound = false
    /// What br_netfilter attached to the packet, as `-m physdev` sees it (see `PhysdevMatch`).
    var bridgeNetfilter = BridgeNetfilterInfo.none
    /// NAT bound to this connection so far, as `ct status` flags (`snat`, `dnat`).
    var boundNAT: Set<String> = []

    public init(inInterface: String?, outInterface: String?, source: IPAddress, destination: IPAddress,
                l4Protocol: UInt8, sourcePort: UInt16? = nil, destinationPort: UInt16? = nil,
                icmpType: UInt8? = nil, icmpCode: UInt8? = nil, conntrack: ConntrackState = .new,
                mark: UInt64? = 0, direction: ConntrackDirection = .original,
                bridgePortIn: String? = nil, bridgePortOut: String? = nil, ttl: UInt8? = nil, length: UInt16? = nil,
                dscp: UInt8? = nil, tcpFlags: Set<String>? = nil, conntrackMark: UInt64? = nil) {
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
        self.direction = direction
        self.bridgePortIn = bridgePortIn
        self.bridgePortOut = bridgePortOut
        self.ttl = ttl
        self.length = length
        self.dscp = dscp
        self.tcpFlags = tcpFlags
        self.conntrackMark = conntrackMark
    }

    /// The packet as a path starts: a new connection's mark is 0 unless the caller said otherwise.
    var startingPath: PacketProbe {
        var start = self
        if conntrack == .new && conntrackMark == nil { start.conntrackMark = 0 }
        return start
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

/// `ct direction`: the way of the connection the packet goes.
public enum ConntrackDirection: String, Codable, Sendable, Hashable, CaseIterable {
    case original, reply
}

/// The bridge information br_netfilter attaches to a packet that came through a bridge port while
/// `bridge-nf-call-iptables` (`-ip6tables`) was on; `-m physdev` reads it.
enum BridgeNetfilterInfo: Hashable {
    /// No bridge information: not from a bridge port, or br_netfilter did not see the frame.
    case none
    /// The model cannot tell whether br_netfilter saw the frame.
    case unknown
    /// A frame that came in on a bridge port and is routed: `physdev-in` only.
    case routedFromPort
    /// A frame bridged between two ports: `physdev-out` too, from FORWARD on.
    case bridged
}
