import Testing
import VNetPackets

@Suite struct PacketDecoderTests {
    @Test func emptyFrameIsNotATrap() {
        #expect(PacketDecoder.decode([], linkType: .ethernet).ethernet == nil)
    }
}
