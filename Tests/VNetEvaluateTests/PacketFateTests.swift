import Testing
import VNetEvaluate

@Suite struct PacketFateTests {
    @Test func fatesEncodeAsTheirNames() {
        #expect(PacketFate.unknown.rawValue == "unknown")
        #expect(PacketFate(rawValue: "accepted") == .accepted)
    }
}
