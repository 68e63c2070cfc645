import VNetModel
import VNetPackets

/// An address and port; ICMP echo uses the identifier as the initiator's port and 0 as the responder's.
struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    let address: IPAddress
    let port: UInt16

    /// A fixed order of endpoints (address, then port) for naming a flow by either direction.
    func precedes(_ other: Endpoint) -> Bool {
        (address.high, address.low, port) < (other.address.high, other.address.low, other.port)
    }

    var description: String {
        port == 0 ? "\(address)" : (address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)")
    }
}

/// A flow's 5-tuple, initiator first.
struct FlowKey: Hashable, Sendable, CompactKey, CustomStringConvertible {
    let protocolNumber: UInt8
    let source: Endpoint
    let destination: Endpoint

    var reversed: FlowKey { FlowKey(protocolNumber: protocolNumber, source: destination, destination: source) }
    /// The key or its reverse, the same for both directions of a flow: one table lookup per packet.
    var unordered: FlowKey { source.precedes(destination) ? self : reversed }
    var family: AddressFamily { source.address.family }

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

    /// Protocol, ports, families and addresses folded into one word: the flow table's hash.
    var mix: UInt64 {
        let families = UInt64(source.address.family == .ipv6 ? 2 : 0) | UInt64(destination.address.family == .ipv6 ? 1 : 0)
        var h = UInt64(protocolNumber) << 40 | UInt64(source.port) << 24 | UInt64(destination.port) << 8 | families
        h = (h ^ source.address.high) &* 0x100_0000_01b3 ^ (h >> 29)
        h = (h ^ source.address.low) &* 0x100_0000_01b3 ^ (h >> 29)
        h = (h ^ destination.address.high) &* 0x100_0000_01b3 ^ (h >> 29)
        return (h ^ destination.address.low) &* 0x100_0000_01b3 ^ (h >> 29)
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
    private(set) var firstFrames: [UInt32] = []
    /// A packet came back from the responder's side.
    private(set) var answered = false
    /// A TCP reset came back from the responder's side.
    var resetBack = false

    /// A flow's context in evidence: its opening (handshake, first exchanges), not all of a long transfer,
    /// so that thousands of flows keep little each.
    static let frameLimit = 16

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
        if firstFrames.count < Self.frameLimit, let number = UInt32(exactly: frame) { firstFrames.append(number) }
    }

    /// The flow's identity across captures: the same 5-tuple on another interface is another flow.
    var identity: FlowIdentity { FlowIdentity(capture: capture, key: key) }
    var frames: [FrameRef] { firstFrames.map { FrameRef(capture: capture, frame: Int($0)) } }
}

/// A flow's key on one capture.
struct FlowIdentity: Hashable {
    let capture: Int
    let key: FlowKey
}
