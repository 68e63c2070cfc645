import VNetPackets

/// One interface's capture with each frame decoded: `packets[i]` is `capture.frames[i]` as the decoders
/// read it. Judgement works on these, so tests can hand it packets built as values.
public struct DecodedCapture: Sendable {
    public var capture: InterfaceCapture
    public var packets: [DecodedPacket]

    /// Decodes every frame of `capture`.
    public init(decoding capture: InterfaceCapture) {
        self.capture = capture
        self.packets = capture.frames.map { PacketDecoder.decode($0.bytes, linkType: capture.linkType) }
    }

    /// Frames and their decoded packets given side by side; extra entries of the longer list are dropped.
    public init(capture: InterfaceCapture, packets: [DecodedPacket]) {
        let count = min(capture.frames.count, packets.count)
        var capture = capture
        capture.frames = Array(capture.frames.prefix(count))
        self.capture = capture
        self.packets = Array(packets.prefix(count))
    }
}

/// A frame of one of the judged captures: which capture, which frame.
struct FrameRef: Hashable, Comparable {
    let capture: Int
    let frame: Int

    static func < (a: FrameRef, b: FrameRef) -> Bool { (a.capture, a.frame) < (b.capture, b.frame) }
}
