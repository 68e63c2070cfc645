import Testing
import VNetPackets

/// Every sample cut at every length: never a trap; a cut inside what a layer reads is `.truncated` at
/// that layer (with what was available from the layer's start), and the layers before it decode exactly
/// as in the whole frame; a cut past everything read decodes like the whole frame.
@Suite struct TruncationTests {
    @Test(arguments: SampleFrames.all.keys.sorted())
    func everyCutOfASample(name: String) throws {
        let frame = try #require(SampleFrames.all[name])
        let whole = frame.decode()
        #expect(whole.issue == nil)
        for length in 0..<frame.bytes.count {
            let cut = PacketDecoder.decode(frame.bytes[..<length], linkType: frame.linkType)
            guard let span = frame.spans.first(where: { $0.end > length }) else {
                #expect(cut == whole, "\(name) cut at \(length)")
                continue
            }
            guard case .truncated(let layer, let needed, let available) = cut.issue else {
                Issue.record("\(name) cut at \(length): \(String(describing: cut.issue)), expected truncated \(span.layer)")
                continue
            }
            #expect(layer == span.layer, "\(name) cut at \(length)")
            #expect(available == length - span.start, "\(name) cut at \(length)")
            #expect(needed > available, "\(name) cut at \(length)")
            #expect(cut == Self.expected(whole, keepingPartsBefore: length, of: frame, issue: cut.issue),
                    "\(name) cut at \(length)")
        }
    }

    /// The whole frame's decode without the parts whose layers the cut reaches.
    static func expected(_ whole: DecodedPacket, keepingPartsBefore length: Int, of frame: BuiltFrame,
                         issue: DecodeIssue?) -> DecodedPacket {
        var packet = whole
        let cutParts = Set(frame.spans.filter { $0.end > length }.map(\.part))
        for part in cutParts {
            switch part {
            case .link: packet.ethernet = nil; packet.linuxCooked = nil
            case .arp: packet.arp = nil
            case .ip: packet.ip = nil
            case .transport: packet.transport = nil
            case .application: packet.application = nil
            }
        }
        packet.issue = issue
        return packet
    }
}
