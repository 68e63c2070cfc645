import Testing
import VNetModel
import VNetEvaluate

/// `ct direction`, `ct status` and `-m addrtype`, decided from the packet and the host where they can be.
@Suite struct ConntrackAndAddressTypeTests {
    /// The fate of `probe` routed on the test host through a FORWARD (or `hook`) chain that accepts only
    /// what `match` lets through.
    private func fate(_ probe: PacketProbe, _ match: Match, at hook: Hook = .forward, host: HostState? = nil) -> PacketFate {
        let table = Build.table("filter", [Build.base("c", hook, policy: .drop, [
            Build.rule(1, .match(match), .action(.accept), text: "test accept"),
        ])])
        var onHost = host ?? HostBuild.host()
        onHost.firewall = Firewall(tables: [table])
        return planPath(probe, on: onHost).fate
    }

    /// What the test chain at PREROUTING did with `probe`, whatever routing decides after it.
    private func preroutingOutcome(_ probe: PacketProbe, _ match: Match, host: HostState? = nil) -> [ChainOutcome] {
        let table = Build.table("filter", [Build.base("c", .prerouting, policy: .drop, [
            Build.rule(1, .match(match), .action(.accept), text: "test accept"),
        ])])
        var onHost = host ?? HostBuild.host()
        onHost.firewall = Firewall(tables: [table])
        return planPath(probe, on: onHost).firewall.steps.map(\.outcome)
    }

    private func guest(_ state: ConntrackState = .new, direction: ConntrackDirection = .original,
                       to destination: String = "93.184.216.34") -> PacketProbe {
        PacketProbe(inInterface: "virbr0", outInterface: nil, source: Build.address("192.168.122.11"),
                    destination: Build.address(destination), l4Protocol: 6, sourcePort: 40000, destinationPort: 443,
                    conntrack: state, direction: direction)
    }

    @Test func conntrackDirectionIsOriginalForNewAndTheProbesForReplies() {
        let original = Match(.ctDirection, .eq, .symbol("original"))
        #expect(fate(guest(), original) == .accepted)
        #expect(fate(guest(.new, direction: .reply), original) == .accepted)  // a first packet is always original
        #expect(fate(guest(.established, direction: .reply), original) == .dropped)
        #expect(fate(guest(.established, direction: .reply), Match(.ctDirection, .eq, .symbol("reply"))) == .accepted)
        // No conntrack entry: the rule breaks whatever the operator.
        #expect(fate(guest(.untracked), Match(.ctDirection, .ne, .symbol("reply"))) == .dropped)
    }

    @Test func conntrackStatusOfANewConnectionFollowsTheNATBoundSoFar() {
        let target = Build.address("192.168.122.11")
        let dnat = Build.table("nat", [Build.base("pre", .prerouting, priority: -100, type: .nat, [
            Build.rule(1, .match(Match(.tcpDport, .eq, .integer(2222))),
                       .action(.dnat(addresses: AddressRange(low: target, high: target), ports: PortRange(low: 22, high: 22), flags: [])),
                       text: "tcp dport 2222 dnat to 192.168.122.11:22"),
        ])])
        let filter = Build.table("filter", [Build.base("fwd", .forward, policy: .drop, [
            Build.rule(1, .match(Match(.ctStatus, .eq, .flags(["dnat"]))), .action(.accept), text: "ct status dnat accept"),
        ])])
        let host = HostBuild.host(firewall: Firewall(tables: [dnat, filter]))
        var inbound = PacketProbe(inInterface: "eth0", outInterface: nil, source: Build.address("198.51.100.7"),
                                  destination: Build.address("10.0.0.5"), l4Protocol: 6, sourcePort: 50000, destinationPort: 2222)
        #expect(planPath(inbound, on: host).fate == .accepted)
        // Straight to the guest, no dnat bound: the status bit is not set.
        (inbound.destination, inbound.destinationPort) = (target, 22)
        #expect(planPath(inbound, on: host).fate == .dropped)
        #expect(fate(guest(), Match(.ctStatus, .eq, .flags(["confirmed", "seen-reply"]))) == .dropped)
        #expect(fate(guest(), Match(.ctStatus, .ne, .symbol("snat"))) == .accepted)
        #expect(fate(guest(.established), Match(.ctStatus, .eq, .symbol("confirmed"))) == .accepted)
        #expect(fate(guest(.established), Match(.ctStatus, .eq, .symbol("assured"))) == .unknown)
    }

    @Test func addrtypeLocalComesFromTheHostsAddressesAndLocalRoutes() {
        let toHost = guest(to: "192.168.122.1")
        #expect(fate(toHost, Match(.dstAddrType, .eq, .symbol("local")), at: .input) == .accepted)
        #expect(fate(guest(), Match(.dstAddrType, .eq, .symbol("local"))) == .dropped)
        #expect(fate(guest(), Match(.dstAddrType, .eq, .symbol("unicast"))) == .accepted)
        #expect(fate(guest(), Match(.srcAddrType, .ne, .symbol("local"))) == .accepted)
        #expect(fate(guest(to: "192.168.122.255"), Match(.dstAddrType, .eq, .set([.symbol("broadcast"), .symbol("multicast")])),
                     at: .input) == .accepted)
        // Accepted at PREROUTING; whether the host then takes it depends on group membership (not modelled).
        #expect(preroutingOutcome(guest(to: "224.0.0.251"), Match(.dstAddrType, .eq, .symbol("multicast"))) == [.accepted])
        let multicast = decideRoute(RoutingRequest(source: Build.address("192.168.122.11"), destination: Build.address("224.0.0.251"),
                                                   inputInterface: "virbr0"), on: HostBuild.host())
        #expect(multicast.outcome == .unknown(reason: "multicast 224.0.0.251 received on virbr0: delivered if the host joined the group, else dropped; group membership is not in the model"))
        // PREROUTING lets it through (routing then drops it by the blackhole route).
        var blackholed = HostBuild.host(routes: HostBuild.routes + [HostBuild.route("198.51.100.0/24", type: .blackhole)])
        blackholed.firewall = Firewall(tables: [Build.table("filter", [Build.base("c", .prerouting, policy: .drop, [
            Build.rule(1, .match(Match(.dstAddrType, .eq, .symbol("blackhole"))), .action(.accept), text: "test accept"),
        ])])])
        let path = planPath(guest(to: "198.51.100.1"), on: blackholed)
        #expect(path.firewall.steps.map(\.outcome) == [.accepted])
        #expect(path.evidence == ["routing: blackhole route 198.51.100.0/24 in table 254"])
    }

    @Test func addrtypeIsUnknownWithoutTheHostsRoutes() {
        let unread = HostBuild.host(coverage: Coverage(links: .notCollected, routes: .notCollected, sysctls: .live))
        #expect(fate(guest(), Match(.dstAddrType, .eq, .symbol("local")), at: .prerouting, host: unread) == .unknown)
        // Multicast needs no routes.
        #expect(preroutingOutcome(guest(to: "224.0.0.251"), Match(.dstAddrType, .eq, .symbol("multicast")), host: unread)
                == [.accepted])
    }
}
