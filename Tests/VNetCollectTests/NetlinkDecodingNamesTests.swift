import Testing
import VNetModel
@testable import VNetCollect

/// The fixed name tables the decoders use (no host configuration involved).
@Suite struct NetlinkDecodingNamesTests {
    @Test func linkKinds() {
        #expect(LinkKindName.kind(infoKind: nil, hardwareType: 1, tunType: nil) == .physical)
        #expect(LinkKindName.kind(infoKind: nil, hardwareType: 772, tunType: nil) == .loopback)
        #expect(LinkKindName.kind(infoKind: nil, hardwareType: 65534, tunType: nil) == .other)
        #expect(LinkKindName.kind(infoKind: "tun", hardwareType: 1, tunType: 2) == .tap)
        #expect(LinkKindName.kind(infoKind: "tun", hardwareType: 65534, tunType: 1) == .tun)
        #expect(LinkKindName.kind(infoKind: "tun", hardwareType: 1, tunType: nil) == .tun)
        #expect(LinkKindName.kind(infoKind: "bridge", hardwareType: 1, tunType: nil) == .bridge)
        #expect(LinkKindName.kind(infoKind: "macvtap", hardwareType: 1, tunType: nil) == .macvtap)
        #expect(LinkKindName.kind(infoKind: "gretap", hardwareType: 1, tunType: nil) == .gre)
        #expect(LinkKindName.kind(infoKind: "vrf", hardwareType: 1, tunType: nil) == .other)
    }

    @Test func addressFlags() {
        #expect(AddressDecoder.flagNames(0x82, family: .ipv6) == ["nodad", "permanent"])
        #expect(AddressDecoder.flagNames(0x01, family: .ipv4) == ["secondary"])
        #expect(AddressDecoder.flagNames(0x01, family: .ipv6) == ["temporary"])
        #expect(AddressDecoder.flagNames(0x8000_0040, family: .ipv6) == ["tentative", "0x80000000"])
    }

    @Test func routeNames() {
        #expect(RouteNames.type(1) == .unicast)
        #expect(RouteNames.type(6) == .blackhole)
        #expect(RouteNames.type(11) == .other)
        #expect(RouteNames.protocolName(2) == "kernel")
        #expect(RouteNames.protocolName(4) == "static")
        #expect(RouteNames.protocolName(250) == "250")
        #expect(RouteNames.scope(0) == "global")
        #expect(RouteNames.scope(253) == "link")
        #expect(RouteNames.scope(100) == "100")
    }

    @Test func ruleActions() {
        #expect(RuleDecoder.actionName(1) == "lookup")
        #expect(RuleDecoder.actionName(8) == "prohibit")
        #expect(RuleDecoder.actionName(42) == "action 42")
    }

    @Test func bridgePortStates() {
        #expect(BridgeAttributes.stpState(0) == .disabled)
        #expect(BridgeAttributes.stpState(3) == .forwarding)
        #expect(BridgeAttributes.stpState(4) == .blocking)
        #expect(BridgeAttributes.stpState(9) == .unknown)
    }

    @Test func operStates() {
        #expect(LinkDecoder.operState(6) == .up)
        #expect(LinkDecoder.operState(2) == .down)
        #expect(LinkDecoder.operState(0) == .unknown)
        #expect(LinkDecoder.operState(77) == .unknown)
    }
}
