import VNetModel
import VNetPackets

/// An address and port; ICMP echo uses the identifier as the initiator's port and 0 as the responder's.
struct Endpoint: Hashable, CustomStringConvertible {
    let address: IPAddress
    let port: UInt16

    var description: String {
        port == 0 ? "\(address)" : (address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)")
    }
}

/// A flow's 5-tuple, initiator first.
struct FlowKey: Hashable, CustomStringConvertible {
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

/// The packets of one flow on one interface, both directions, as seen there.
struct Flow {
    let key: FlowKey
    /// Index of the capture the flow was seen in.
    let capture: Int
    let start: UInt64
    var end: UInt64
    /// The first packet opened a connection: a TCP SYN without ACK or an echo request. Never for UDP: a
    /// datagram from outside may answer a flow that began before the capture did.
    let opens: Bool
    var forward: [Int] = []
    var backward: [Int] = []
    /// A TCP reset came back from the responder's side.
    var resetBack = false

    var answered: Bool { !backward.isEmpty }
    /// The flow's identity across captures: the same 5-tuple on another interface is another flow.
    var identity: FlowIdentity { FlowIdentity(capture: capture, key: key) }
    var frames: [FrameRef] { (forward + backward).sorted().map { FrameRef(capture: capture, frame: $0) } }
}

/// A flow's key on one capture.
struct FlowIdentity: Hashable {
    let capture: Int
    let key: FlowKey
}
