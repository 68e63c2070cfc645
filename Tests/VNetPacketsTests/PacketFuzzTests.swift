import Testing
import VNetTestSupport
import VNetPackets

/// Deterministic fuzzing: random frames and mutated samples under every link type never trap, and what
/// the decoders say about them is consistent.
@Suite struct PacketFuzzTests {
    static let interesting: [UInt8] = [0, 1, 2, 4, 5, 6, 8, 0x0f, 0x10, 0x3f, 0x40, 0x45, 0x60, 0x7f, 0x80, 0xc0, 0xfe, 0xff]
    static let samples = SampleFrames.all.keys.sorted().compactMap { SampleFrames.all[$0] }
    static let linkTypes: [LinkType] = [.ethernet, .raw, .linuxCooked, .linuxCooked2]

    static func mutate(_ bytes: inout [UInt8], using random: inout SplitMix64) {
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { bytes = [UInt8.random(in: 0...255, using: &random)]; continue }
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
            case 1: bytes[at] = interesting.randomElement(using: &random) ?? 0
            case 2: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 3: bytes.removeSubrange(at...)
            case 4: bytes.insert(contentsOf: [UInt8](repeating: UInt8.random(in: 0...255, using: &random),
                                                     count: Int.random(in: 1...16, using: &random)), at: at)
            default: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &random)))
            }
        }
    }

    @Test func randomAndMutatedFramesNeverTrap() {
        var random = SplitMix64(state: 0x7e57_decd)
        var tally = DecodeTally()
        let iterations = 200_000
        for iteration in 0..<iterations {
            var bytes: [UInt8]
            var linkType: LinkType
            if iteration % 4 == 0 {
                bytes = (0..<Int.random(in: 0...160, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                linkType = Self.linkTypes.randomElement(using: &random) ?? .ethernet
            } else {
                let sample = Self.samples[Int.random(in: 0..<Self.samples.count, using: &random)]
                bytes = sample.bytes
                linkType = iteration % 50 == 1 ? Self.linkTypes.randomElement(using: &random) ?? .raw : sample.linkType
                Self.mutate(&bytes, using: &random)
            }
            let packet = PacketDecoder.decode(bytes, linkType: linkType)
            tally.record(packet)
            if case .truncated(_, let needed, let available) = packet.issue {
                #expect(needed > available && available >= 0 && available <= bytes.count, "\(bytes) \(linkType)")
            }
            if iteration % 97 == 0 {
                #expect(PacketDecoder.decode(bytes, linkType: linkType) == packet)
            }
        }
        #expect(tally.frames == iterations)
        // The corpus reaches every kind of outcome, deep layers included.
        #expect(tally.total(.truncated) > 0 && tally.total(.malformed) > 0 && tally.total(.unsupported) > 0)
        for layer in [PacketLayer.dns, .dhcp, .dhcpv6, .icmp, .icmpv6, .tcp, .udp, .arp] {
            #expect(tally.count(.decoded, at: layer) > 0, "\(layer) never decoded")
        }
        #expect(tally.count(.malformed, at: .dns) > 0 && tally.count(.malformed, at: .dhcp) > 0)
    }
}
