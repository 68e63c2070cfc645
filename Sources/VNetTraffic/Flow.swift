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

/// A flow's 5-tuple, initiator first.
struct FlowKey: Hashable, Sendable, CustomStringConvertible {
    let protocolNumber: UInt8
    let source: Endpoint
    let destination: Endpoint

    var reversed: FlowKey { FlowKey(protocolNumber: protocolNumber, source: destination, destination: source) }
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
    private(set) var firstFrames: [Int] = []
    /// A packet came back from the responder's side.
    private(set) var answered = false
    /// A TCP reset came back from the responder's side.
    var resetBack = false

    /// Evidence never holds more frames than this, so a flow keeps no more.
    static let frameLimit = EvidenceFiles.frameLimit

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
        if firstFrames.count < Self.frameLimit { firstFrames.append(frame) }
    }

    /// The flow's identity across captures: the same 5-tuple on another interface is another flow.
    var identity: FlowIdentity { FlowIdentity(capture: capture, key: key) }
    var frames: [FrameRef] { firstFrames.map { FrameRef(capture: capture, frame: $0) } }
}

/// A flow's key on one capture.
struct FlowIdentity: Hashable {
    let capture: Int
    let key: FlowKey
}
