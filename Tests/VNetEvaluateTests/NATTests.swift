import Testing
import VNetModel
import VNetEvaluate

/// NAT actions end their nat chain, bind the translation once per hook, and only for new connections.
@Suite struct NATTests {
    private static let masquerading = Build.table("nat", [Build.base("post", .postrouting, priority: 100, type: .nat, [
        Build.rule(1, .match(Match(.ipSaddr, .eq, Build.prefix("192.168.122.0/24"))),
                   .action(.masquerade(ports: PortRange(low: 1024, high: 65535), flags: [])),
                   text: "ip saddr 192.168.122.0/24 masquerade to :1024-65535"),
        Build.rule(2, .action(.drop), text: "drop after masquerade"),
    ])])

    @Test func masqueradeIsRecordedAndEndsTheNatChain() {
        let result = evaluate(Build.guestOutbound(), hooks: Build.forwardedHooks, firewall: Firewall(tables: [Self.masquerading]))
        #expect(result.fate == .accepted)
        #expect(result.translatedSource == .masquerade(outInterface: "eth0", ports: PortRange(low: 1024, high: 65535)))
        #expect(result.steps.first?.hits.map(\.text) == ["ip saddr 192.168.122.0/24 masquerade to :1024-65535"])
    }

    @Test func establishedPacketsSkipTheNatChains() {
        let result = evaluate(Build.guestOutbound(conntrack: .established), hooks: Build.forwardedHooks,
                              firewall: Firewall(tables: [Self.masquerading]))
        #expect(result.translatedSource == nil)
        #expect(result.steps.first?.outcome == .skipped(reason: "nat chains see only the first packet of a connection"))
    }

    @Test func dnatChangesTheDestinationLaterHooksSee() {
        let target = Build.address("192.168.122.11")
        let dnat = Build.table("nat", [Build.base("pre", .prerouting, priority: -100, type: .nat, [
            Build.rule(1, .action(.dnat(addresses: AddressRange(low: target, high: target), ports: nil, flags: [])), text: "dnat to 192.168.122.11"),
        ])])
        let filter = Build.table("filter", [Build.base("fwd", .forward, policy: .drop, [
            Build.rule(1, .match(Match(.ipDaddr, .eq, Build.prefix("192.168.122.11/32"))), .action(.accept), text: "ip daddr 192.168.122.11 accept"),
        ])])
        var probe = Build.inboundToGuest()
        probe.destination = Build.address("203.0.113.5")
        let result = evaluate(probe, hooks: Build.forwardedHooks, firewall: Firewall(tables: [dnat, filter]))
        #expect(result.fate == .accepted)
        #expect(result.translatedDestination == .dnat(addresses: AddressRange(low: target, high: target), ports: nil))
    }

    @Test func setMarkIsSeenByLaterRules() {
        let table = Build.table("mangle", [
            Build.base("pre", .prerouting, priority: -150, [Build.rule(1, .action(.setMark(value: 0x10, mask: nil)), text: "meta mark set 0x10")]),
            Build.base("fwd", .forward, [Build.rule(1, .match(Match(.mark, .eq, .integer(0x10))), .action(.drop), text: "meta mark 0x10 drop")]),
        ])
        #expect(Build.fate(Build.guestOutbound(), table) == .dropped)
    }

    /// A dnat to `ports` in PREROUTING, then a FORWARD chain that accepts only `tcp dport 22`.
    private func forwardFate(dnatPorts ports: PortRange) -> PathResult {
        let target = Build.address("192.168.122.11")
        let dnat = Build.table("nat", [Build.base("pre", .prerouting, priority: -100, type: .nat, [
            Build.rule(1, .action(.dnat(addresses: AddressRange(low: target, high: target), ports: ports, flags: [])),
                       text: "dnat to 192.168.122.11:\(ports.low)-\(ports.high)"),
        ])])
        let filter = Build.table("filter", [Build.base("fwd", .forward, policy: .drop, [
            Build.rule(1, .match(Match(.tcpDport, .eq, .integer(22))), .action(.accept), text: "tcp dport 22 accept"),
        ])])
        var probe = Build.inboundToGuest()
        probe.destinationPort = 2222
        return evaluate(probe, hooks: Build.forwardedHooks, firewall: Firewall(tables: [dnat, filter]))
    }

    @Test func dnatToOnePortIsTheDestinationPortLaterHooksSee() {
        let result = forwardFate(dnatPorts: PortRange(low: 22, high: 22))
        #expect(result.fate == .accepted)
        #expect(result.packet?.destinationPort == 22)
    }

    @Test func dnatToAPortRangeLeavesTheDestinationPortUnknown() {
        let result = forwardFate(dnatPorts: PortRange(low: 20, high: 30))
        #expect(result.fate == .unknown)
        #expect(result.unknownBecause == ["tcp dport 22 accept: its matches cannot be decided"])
    }

    @Test func snatToAnAddressAndPortRangeIsRecordedAsBound() {
        let low = Build.address("203.0.113.2"), high = Build.address("203.0.113.9")
        let snat = Build.table("nat", [Build.base("post", .postrouting, priority: 100, type: .nat, [
            Build.rule(1, .action(.snat(addresses: AddressRange(low: low, high: high), ports: PortRange(low: 2000, high: 2999), flags: [])),
                       text: "snat to 203.0.113.2-203.0.113.9:2000-2999"),
        ])])
        let result = evaluate(Build.guestOutbound(), hooks: Build.forwardedHooks, firewall: Firewall(tables: [snat]))
        #expect(result.translatedSource == .snat(addresses: AddressRange(low: low, high: high), ports: PortRange(low: 2000, high: 2999)))
    }
}
