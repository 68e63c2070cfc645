import Foundation
import Testing
import VNetPackets

@Suite struct DecodeTallyTests {
    static func tally(of frames: [BuiltFrame]) -> DecodeTally {
        var tally = DecodeTally()
        for frame in frames { tally.record(frame.decode()) }
        return tally
    }

    @Test func countsLayersAndIssues() {
        let cut = SampleFrames.dnsQueryOnVLAN
        let frames = [SampleFrames.dnsQueryOnVLAN, SampleFrames.arpRequest, SampleFrames.cookedV1UDP,
                      BuiltFrame(bytes: Array(cut.bytes.prefix(50)), spans: []),
                      BuiltFrame(bytes: Array(cut.bytes.prefix(30)), spans: []),
                      SampleFrames.tcpSynInQinQ.patched(22, 0x44),
                      Build.ethernet(.data([0, 0]), type: 0x88cc)]
        let tally = Self.tally(of: frames)
        #expect(tally.frames == 7)
        #expect(tally.clean == 3)
        #expect(tally.count(.decoded, at: .dns) == 1)
        #expect(tally.count(.decoded, at: .udp) == 3)
        #expect(tally.count(.decoded, at: .vlan) == 4)
        #expect(tally.count(.decoded, at: .link) == 1)
        #expect(tally.count(.truncated, at: .dns) == 1)
        #expect(tally.count(.truncated, at: .ipv4) == 1)
        #expect(tally.count(.malformed, at: .ipv4) == 1)
        #expect(tally.count(.unsupported, at: .ethernet) == 1)
        #expect(tally.total(.truncated) == 2)
        #expect(tally.summary
                == "7 frames: 2 truncated (snap length: ipv4 1, dns 1), 1 malformed (ipv4 1), 1 unsupported (ethernet 1)")
        #expect(Self.tally(of: [SampleFrames.arpRequest]).summary == "1 frames")
    }

    @Test func mergeAndCodable() throws {
        var tally = Self.tally(of: [SampleFrames.echoV6, SampleFrames.tcpSynInQinQ.patched(54, 0x40)])
        tally.merge(Self.tally(of: [SampleFrames.echoV6]))
        #expect(tally.frames == 3)
        #expect(tally.count(.decoded, at: .icmpv6) == 2)
        let json = try JSONEncoder().encode(tally)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"malformed\":{\"tcp\":1}"))
        #expect(try JSONDecoder().decode(DecodeTally.self, from: json) == tally)
    }
}
