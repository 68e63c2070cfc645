import VNetPackets

/// One interface's capture analysed as its frames arrive, keeping none of them: what judgement needs
/// (flows, DHCP/DNS/ICMP messages, senders) grows with flows and messages, never with packets, so a
/// capture of any length fits in memory. `TrafficJudge.judge(scope:analyses:reading:)` judges several.
public struct CaptureAnalysis: Sendable {
    var traffic: InterfaceTraffic
    /// The packet each frame is decoded into, kept from frame to frame.
    private var scratch = DecodedPacket()

    /// `capture` describes the capture (interface, link type, counters, times, source); its frames, if
    /// any, are not read: feed them with `add`.
    public init(_ capture: InterfaceCapture) {
        self.init(capture, position: 0)
    }

    /// `position`: its place among the captures judged together, when known, so judging needs not renumber.
    init(_ capture: InterfaceCapture, position: Int) {
        traffic = InterfaceTraffic(index: position, capture: capture)
    }

    /// A capture held in memory (a live one), each frame decoded and analysed in turn.
    public init(analysing capture: InterfaceCapture) {
        self.init(capture)
        for frame in capture.frames { add(frame) }
    }

    /// A capture already decoded, analysed whole.
    public init(decoded: DecodedCapture) {
        traffic = InterfaceTraffic(index: 0, decoded: decoded)
    }

    /// The capture's next frame, decoded from `bytes` in place.
    public mutating func add(_ bytes: UnsafeRawBufferPointer, at timestampNanoseconds: UInt64) {
        PacketDecoder.decode(bytes, linkType: traffic.capture.linkType, into: &scratch)
        traffic.add(scratch, at: timestampNanoseconds, length: bytes.count)
    }

    public mutating func add(_ frame: CapturedFrame) {
        frame.bytes.withUnsafeBytes { add($0, at: frame.timestampNanoseconds) }
    }

    /// The capture as described, with the times it ended and its counters as now known (a file's end is
    /// its last frame: `endedAtNanoseconds` is raised to it when earlier).
    public var capture: InterfaceCapture { traffic.capture }
    public mutating func update(_ change: (inout InterfaceCapture) -> Void) { traffic.updateCapture(change) }

    public var frameCount: Int { traffic.frameCount }
    public var byteCount: Int { traffic.byteCount }
    public var firstFrameTime: UInt64? { traffic.firstFrameTime }
    public var lastFrameTime: UInt64? { traffic.lastFrameTime }
    /// What the decoders made of the frames.
    public var tally: DecodeTally { traffic.tally }
}

extension InterfaceCapture {
    /// The frames numbered `numbers` (those there are), by number: the evidence reader of a capture in memory.
    public func frames(numbered numbers: Set<Int>) -> [Int: CapturedFrame] {
        Dictionary(uniqueKeysWithValues: numbers.filter { $0 >= 0 && $0 < frames.count }.map { ($0, frames[$0]) })
    }
}
