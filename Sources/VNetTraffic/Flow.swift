import VNetModel
import VNetPackets

/// An address and port; ICMP echo uses the identifier as the initiator's port and 0 as the responder's.
struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    let address: IPAddress
    let port: UInt16

    var description: String {
        port == 0 ? "\(address)" : (address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)")
    }
}

/// A flow's 5-tuple, initiator first, packed in five words: flow tables hold thousands and compare one
/// for every packet.
struct FlowKey: Hashable, Sendable, CompactKey, CustomStringConvertible {
    /// protocol << 40 | source port << 24 | destination port << 8 | source is IPv6 << 1 | destination is IPv6
    private let head: UInt64
    private let sourceHigh: UInt64, sourceLow: UInt64
    private let destinationHigh: UInt64, destinationLow: UInt64

    init(protocolNumber: UInt8, source: Endpoint, destination: Endpoint) {
        head = UInt64(protocolNumber) << 40 | UInt64(source.port) << 24 | UInt64(destination.port) << 8
            | (source.address.family == .ipv6 ? 2 : 0) | (destination.address.family == .ipv6 ? 1 : 0)
        (sourceHigh, sourceLow) = (source.address.high, source.address.low)
        (destinationHigh, destinationLow) = (destination.address.high, destination.address.low)
    }

    private init(head: UInt64, sourceHigh: UInt64, sourceLow: UInt64, destinationHigh: UInt64, destinationLow: UInt64) {
        self.head = head
        (self.sourceHigh, self.sourceLow, self.destinationHigh, self.destinationLow) = (sourceHigh, sourceLow, destinationHigh, destinationLow)
    }

    var protocolNumber: UInt8 { UInt8(truncatingIfNeeded: head >> 40) }
    var source: Endpoint {
        Endpoint(address: Self.address(head & 2 != 0, sourceHigh, sourceLow), port: UInt16(truncatingIfNeeded: head >> 24))
    }
    var destination: Endpoint {
        Endpoint(address: Self.address(head & 1 != 0, destinationHigh, destinationLow), port: UInt16(truncatingIfNeeded: head >> 8))
    }

    private static func address(_ v6: Bool, _ high: UInt64, _ low: UInt64) -> IPAddress {
        v6 ? IPAddress(ipv6High: high, low: low) : IPAddress(ipv4: UInt32(truncatingIfNeeded: low))
    }

    var reversed: FlowKey {
        let ports = (head >> 24 & 0xffff) << 8 | (head >> 8 & 0xffff) << 24
        let families = (head & 2) >> 1 | (head & 1) << 1
        return FlowKey(head: head & (0xff << 40) | ports | families, sourceHigh: destinationHigh, sourceLow: destinationLow,
                       destinationHigh: sourceHigh, destinationLow: sourceLow)
    }
    /// The key or its reverse, the same for both directions of a flow: one table lookup per packet.
    var unordered: FlowKey {
        (sourceHigh, sourceLow, head >> 24 & 0xffff) <= (destinationHigh, destinationLow, head >> 8 & 0xffff) ? self : reversed
    }
    var family: AddressFamily { head & 2 != 0 ? .ipv6 : .ipv4 }

    var protocolName: String {
        switch protocolNumber {
        case 6: return "tcp"
        case 17: return "udp"
        case 1: return "icmp"
        case 58: return "icmpv6"
        default: return "proto \(protocolNumber)"
        }
    }

    var description: String { "\(protocolName) \(source) -> \(destination)" }

    /// The five words folded into one: the flow table's hash.
    var mix: UInt64 {
        var h = head
        h = (h ^ sourceHigh) &* 0x100_0000_01b3 ^ (h >> 29)
        h = (h ^ sourceLow) &* 0x100_0000_01b3 ^ (h >> 29)
        h = (h ^ destinationHigh) &* 0x100_0000_01b3 ^ (h >> 29)
        return (h ^ destinationLow) &* 0x100_0000_01b3 ^ (h >> 29)
    }
}

/// One flow on one interface, both directions, as seen there: its first frames (enough for evidence,
/// `frameLimit`) and what judgement asks of the rest, so a long flow costs no more than a short one.
struct Flow: Sendable {
    let key: FlowKey
    /// Index of the capture the flow was seen in.
    var capture: Int
    let start: UInt64
    var end: UInt64
    /// The first packet opened a connection: a TCP SYN without ACK or an echo request. Never for UDP: a
    /// datagram from outside may answer a flow that began before the capture did.
    let opens: Bool
    /// The first `frameLimit` frames of either direction, in capture order.
    private var firstFrames = FirstFrames()
    /// A packet came back from the responder's side.
    private(set) var answered = false
    /// A TCP reset came back from the responder's side.
    var resetBack = false

    /// A flow's context in evidence: its opening (handshake, first exchanges), not all of a long transfer,
    /// so that thousands of flows keep little each.
    static let frameLimit = FirstFrames.capacity

    init(key: FlowKey, capture: Int, start: UInt64, opens: Bool) {
        self.key = key
        self.capture = capture
        self.start = start
        self.end = start
        self.opens = opens
    }

    mutating func add(_ frame: Int, at time: UInt64, backward: Bool) {
        end = time
        if backward { answered = true }
        if let number = UInt32(exactly: frame) { firstFrames.append(number) }
    }

    /// The flow's identity across captures: the same 5-tuple on another interface is another flow.
    var identity: FlowIdentity { FlowIdentity(capture: capture, key: key) }
    var frames: [FrameRef] { firstFrames.numbers.map { FrameRef(capture: capture, frame: $0) } }
}

/// A flow's key on one capture.
struct FlowIdentity: Hashable {
    let capture: Int
    let key: FlowKey
}
