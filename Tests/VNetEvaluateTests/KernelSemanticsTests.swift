import Testing
import VNetModel
@testable import VNetEvaluate

/// The netfilter semantics the kernel differential (lab/oracle) found the evaluator getting wrong, each
/// as the kernel behaves (confirmed there with real packets and rule counters).
@Suite struct KernelSemanticsTests {
    private let guestAddress = Build.address("192.168.122.11")
    private let lanHost = Build.address("198.51.100.7")

    /// eth0 with a primary and a secondary address on 10.0.0.0/24, virbr0 with the guests' gateway.
    private func host(firewall: Firewall, routes: [Route] = HostBuild.routes) -> HostState {
        HostBuild.host(routes: routes, firewall: firewall, addresses: [
            InterfaceAddress(linkName: "eth0", linkIndex: 2, address: Build.address("10.0.0.5"), prefixLength: 24, scope: .global),
            InterfaceAddress(linkName: "eth0", linkIndex: 2, address: Build.address("10.0.0.9"), prefixLength: 24, scope: .global,
                             flags: ["secondary"]),
            InterfaceAddress(linkName: "virbr0", linkIndex: 3, address: Build.address("192.168.122.1"), prefixLength: 24, scope: .global),
        ])
    }

    private func guestOut(sport: UInt16 = 40000) -> PacketProbe {
        PacketProbe(inInterface: "virbr0", outInterface: nil, source: guestAddress, destination: lanHost,
                    l4Protocol: 17, sourcePort: sport, destinationPort: 53)
    }

    private func masquerade(_ ports: PortRange? = nil, flags: [String] = [], priority: Int = 100) -> FirewallTable {
        Build.table("nat", [Build.base("post", .postrouting, priority: priority, type: .nat, [
            Build.rule(1, .match(Match(.ipSaddr, .eq, Build.prefix("192.168.122.0/24"))),
                       .action(.masquerade(ports: ports, flags: flags)), text: "ip saddr 192.168.122.0/24 masquerade"),
        ])])
    }

    // MARK: NAT chains run inside the NAT core's hook entry

    @Test func aFilterChainAtMinus120RunsBeforeADstnatChainDeclaringMinus150() {
        let target = Build.address("192.168.122.11")
        let dnat = Build.table("nat", [Build.base("pre", .prerouting, priority: -150, type: .nat, [
            Build.rule(1, .match(Match(.udpDport, .eq, .integer(5353))),
                       .action(.dnat(addresses: AddressRange(low: target, high: target), ports: nil, flags: [])),
                       text: "udp dport 5353 dnat to 192.168.122.11"),
        ])])
        let filter = Build.table("early", [Build.base("pre", .prerouting, priority: -120, [
            Build.rule(1, .match(Match(.ipDaddr, .eq, Build.prefix("192.168.122.11/32"))), .action(.drop),
                       text: "ip daddr 192.168.122.11 drop"),
        ])])
        let inbound = PacketProbe(inInterface: "eth0", outInterface: nil, source: lanHost, destination: Build.address("10.0.0.5"),
                                  l4Protocol: 17, sourcePort: 40000, destinationPort: 5353)
        let path = planPath(inbound, on: host(firewall: Firewall(tables: [dnat, filter])))
        // The filter chain saw the destination before translation; the packet is forwarded to the guest.
        #expect(path.firewall.steps.map(\.table) == ["early", "nat"])
        #expect(path.fate == .accepted)
        #expect(path.destinationAfterNAT == target)
        #expect(path.egressInterface == "virbr0")
    }

    @Test func natChainsAreOrderedAmongThemselvesByTheirOwnPriority() {
        let first = masquerade(priority: 150)
        let second = Build.table("nat2", [Build.base("post", .postrouting, priority: 50, type: .nat, [
            Build.rule(1, .action(.snat(addresses: AddressRange(low: Build.address("10.0.0.9"), high: Build.address("10.0.0.9")),
                                        ports: nil, flags: [])), text: "snat to 10.0.0.9"),
        ])])
        let order = BaseChainOrder.chains(on: HookVisit(hook: .postrouting, layer: .routed), family: .ipv4, device: "virbr0",
                                           in: Firewall(tables: [first, second, Build.table("f", [Build.base("late", .postrouting, priority: 120, [])])]))
        // Both nat chains run at the NAT core's 100, before the filter chain at 120, by their own priority.
        #expect(order.map(\.table.name) == ["nat2", "nat", "f"])
        let path = planPath(guestOut(), on: host(firewall: Firewall(tables: [first, second])))
        #expect(path.sourceAfterNAT == Build.address("10.0.0.9"))
    }

    // MARK: a source translation is visible to later chains

    @Test func aLaterPostroutingChainSeesTheTranslatedSource() {
        let late = Build.table("late", [Build.base("post", .postrouting, priority: 200, [
            Build.rule(1, .match(Match(.ipSaddr, .eq, Build.prefix("10.0.0.5/32"))), .action(.drop), text: "ip saddr 10.0.0.5 drop"),
        ])])
        let path = planPath(guestOut(), on: host(firewall: Firewall(tables: [masquerade(), late])))
        #expect(path.fate == .dropped)
        #expect(path.firewall.steps.last?.hits.map(\.text) == ["ip saddr 10.0.0.5 drop"])
        // An earlier chain (priority 50) still saw the guest's address.
        let early = Build.table("early", [Build.base("post", .postrouting, priority: 50, [
            Build.rule(1, .match(Match(.ipSaddr, .eq, Build.prefix("10.0.0.5/32"))), .action(.drop), text: "ip saddr 10.0.0.5 drop"),
        ])])
        #expect(planPath(guestOut(), on: host(firewall: Firewall(tables: [masquerade(), early]))).fate == .accepted)
    }

    @Test func aSourcePortOutsideTheNATPortRangeOrRandomisedIsUnknownAfterwards() {
        let late = Build.table("late", [Build.base("post", .postrouting, priority: 200, policy: .drop, [
            Build.rule(1, .match(Match(.udpSport, .eq, .integer(40000))), .action(.accept), text: "udp sport 40000 accept"),
        ])])
        let kept = planPath(guestOut(), on: host(firewall: Firewall(tables: [masquerade(PortRange(low: 1024, high: 65535)), late])))
        #expect(kept.fate == .accepted)
        let moved = planPath(guestOut(sport: 500), on: host(firewall: Firewall(tables: [masquerade(PortRange(low: 1024, high: 65535)), late])))
        #expect(moved.fate == .unknown)
        let random = planPath(guestOut(), on: host(firewall: Firewall(tables: [masquerade(flags: ["fully-random"]), late])))
        #expect(random.fate == .unknown)
    }

    // MARK: masquerade takes the device's primary address, not the route's src

    @Test func masqueradeTakesThePrimaryAddressOnTheNextHopsSubnetNotTheRoutesSource() {
        var routes = HostBuild.routes
        routes[0].preferredSource = Build.address("10.0.0.9")
        let path = planPath(guestOut(), on: host(firewall: Firewall(tables: [masquerade()]), routes: routes))
        #expect(path.fate == .accepted)
        #expect(path.sourceAfterNAT == Build.address("10.0.0.5"))
    }

    @Test func aSecondaryOnlyOrMissingAddressIsNotGuessed() {
        var bare = host(firewall: Firewall(tables: [masquerade()]))
        bare.addresses.removeAll { $0.linkName == "eth0" }
        // The kernel falls back to another device's primary address.
        #expect(planPath(guestOut(), on: bare).sourceAfterNAT == Build.address("192.168.122.1"))
        bare.coverage.links = .notCollected
        let unread = planPath(guestOut(), on: bare)
        #expect(unread.fate == .accepted)
        #expect(unread.sourceAfterNAT == nil)
    }

    // MARK: notrack

    private func raw(_ elements: RuleElement..., text: String, priority: Int = -300) -> FirewallTable {
        Build.table("raw", [Build.base("pre", .prerouting, priority: priority, [FirewallRule(position: 1, elements: elements, text: text)])])
    }

    @Test func anUntrackedPacketMeetsNoNatChainAndMatchesCtStateUntracked() {
        let forward = Build.table("filter", [Build.base("fwd", .forward, policy: .drop, [
            Build.rule(1, .match(Match(.ctState, .eq, .flags(["untracked"]))), .action(.accept), text: "ct state untracked accept"),
        ])])
        let path = planPath(guestOut(), on: host(firewall: Firewall(tables: [raw(.action(.notrack), text: "notrack"), forward, masquerade()])))
        #expect(path.fate == .accepted)
        #expect(path.sourceAfterNAT == guestAddress)
        #expect(path.firewall.translatedSource == nil)
        #expect(path.firewall.steps.last?.outcome == .skipped(reason: "an untracked packet (notrack) meets no nat chain"))
        // After conntrack (priority -150) notrack does nothing: the packet is tracked and masqueraded.
        let late = planPath(guestOut(), on: host(firewall: Firewall(tables: [raw(.action(.notrack), text: "notrack", priority: -150),
                                                                             masquerade()])))
        #expect(late.sourceAfterNAT == Build.address("10.0.0.5"))
    }

    @Test func aNotrackBehindAnUndecidableMatchIsTriedBothWays() {
        let unknownMatch = RuleElement.match(Match(MatchField("meta.cpu"), .eq, .integer(0)))
        let forward = Build.table("filter", [Build.base("fwd", .forward, policy: .drop, [
            Build.rule(1, .match(Match(.ctState, .eq, .flags(["untracked"]))), .action(.accept), text: "ct state untracked accept"),
        ])])
        let path = planPath(guestOut(), on: host(firewall: Firewall(tables: [raw(unknownMatch, .action(.notrack), text: "meta cpu 0 notrack"), forward])))
        #expect(path.fate == .unknown, "\(path.firewall.steps)")
        #expect(path.firewall.unknownBecause.contains { $0.hasPrefix("meta cpu 0 notrack") })
    }

    // MARK: ct state before conntrack

    @Test func beforeConntrackEveryPacketIsInvalid() {
        let dropInvalid = Match(.ctState, .eq, .flags(["invalid"]))
        let early = planPath(guestOut(), on: host(firewall: Firewall(tables: [raw(.match(dropInvalid), .action(.drop), text: "ct state invalid drop")])))
        #expect(early.fate == .dropped)
        let afterConntrack = planPath(guestOut(), on: host(firewall: Firewall(tables: [
            raw(.match(dropInvalid), .action(.drop), text: "ct state invalid drop", priority: -150),
        ])))
        #expect(afterConntrack.fate == .accepted)
        // An established packet too has no entry yet at raw priority, and its state is back after it.
        var reply = guestOut()
        reply.conntrack = .established
        let newOnly = Build.table("filter", [Build.base("fwd", .forward, policy: .drop, [
            Build.rule(1, .match(Match(.ctState, .eq, .flags(["established"]))), .action(.accept), text: "ct state established accept"),
        ])])
        let tables = [raw(.match(Match(.ctState, .eq, .flags(["established"]))), .action(.drop), text: "ct state established drop"), newOnly]
        #expect(planPath(reply, on: host(firewall: Firewall(tables: tables))).fate == .accepted)
    }

    // MARK: forwarding

    @Test func aForwardedPacketWithoutAHopLeftIsDroppedBeforeForward() {
        var last = guestOut()
        last.ttl = 1
        let path = planPath(last, on: host(firewall: Firewall()))
        #expect(path.fate == .dropped)
        #expect(path.hooks == [.ingress, .prerouting])
        #expect(path.evidence.last?.hasPrefix("TTL 1 expires in forwarding") == true)
        last.ttl = 2
        #expect(planPath(last, on: host(firewall: Firewall())).fate == .accepted)
    }

    @Test func reversePathFilteringDropsMartianSources() {
        // From eth0, but the route back to 192.168.122.50 leaves by virbr0.
        let spoofed = PacketProbe(inInterface: "eth0", outInterface: nil, source: Build.address("192.168.122.50"),
                                  destination: Build.address("10.0.0.5"), l4Protocol: 17, sourcePort: 40000, destinationPort: 53)
        func fate(_ rpFilter: String, routes: [Route] = HostBuild.routes, _ probe: PacketProbe) -> PacketPath {
            var strict = host(firewall: Firewall(), routes: routes)
            strict.sysctls.values["net.ipv4.conf.all.rp_filter"] = rpFilter
            return planPath(probe, on: strict)
        }
        let dropped = fate("1", spoofed)
        #expect(dropped.fate == .dropped)
        #expect(dropped.evidence.last == "rp_filter 1 (strict) on eth0: the route back to 192.168.122.50 leaves by virbr0, not eth0; dropped as a martian source")
        #expect(fate("2", spoofed).fate == .accepted)
        #expect(fate("0", spoofed).fate == .accepted)
        // Loose mode still wants a route back: a blackholed source is a martian.
        let cgnat = HostBuild.routes + [HostBuild.route("100.64.0.0/10", type: .blackhole)]
        var fromCGNAT = spoofed
        fromCGNAT.source = Build.address("100.64.0.9")
        #expect(fate("2", routes: cgnat, fromCGNAT).fate == .dropped)
        // The host's own address as a source is refused even with rp_filter 0.
        var own = spoofed
        own.source = Build.address("192.168.122.1")
        #expect(fate("0", own).fate == .dropped)
    }

    @Test func aBroadcastFrameIsNotForwardedEvenWhenDNATedToAUnicastAddress() {
        let dnat = Build.table("nat", [Build.base("pre", .prerouting, priority: -100, type: .nat, [
            Build.rule(1, .action(.dnat(addresses: AddressRange(low: guestAddress, high: guestAddress), ports: nil, flags: [])),
                       text: "dnat to 192.168.122.11"),
        ])])
        let toBroadcast = PacketProbe(inInterface: "eth0", outInterface: nil, source: lanHost, destination: Build.address("10.0.0.255"),
                                      l4Protocol: 17, sourcePort: 40000, destinationPort: 53)
        let path = planPath(toBroadcast, on: host(firewall: Firewall(tables: [dnat])))
        #expect(path.fate == .dropped)
        #expect(path.evidence.last == "a broadcast frame is never forwarded (ip_forward takes only frames sent to the host's MAC)")
        var toHost = toBroadcast
        toHost.destination = Build.address("10.0.0.5")
        #expect(planPath(toHost, on: host(firewall: Firewall(tables: [dnat]))).egressInterface == "virbr0")
    }

    @Test func onlyARouteChainOrADNATAtOutputRoutesAgain() {
        var routes = HostBuild.routes
        routes.append(HostBuild.route("0.0.0.0/0", table: 100, dev: "virbr0"))
        let rules = [PolicyRule(family: .ipv4, priority: 0, action: "lookup", table: Route.localTable),
                     PolicyRule(family: .ipv4, priority: 100, action: "lookup", table: 100, fwmark: 2, fwmask: 0xFFFF_FFFF),
                     PolicyRule(family: .ipv4, priority: 32766, action: "lookup", table: Route.mainTable)]
        func egress(markedIn type: ChainType) -> String? {
            var onHost = host(firewall: Firewall(tables: [Build.table("t", [Build.base("o", .output, type: type, [
                Build.rule(1, .action(.setMark(value: 2, mask: nil)), text: "meta mark set 0x2"),
            ])])]), routes: routes)
            onHost.policyRules = rules
            let local = PacketProbe(inInterface: nil, outInterface: nil, source: Build.address("10.0.0.5"), destination: lanHost,
                                    l4Protocol: 17, sourcePort: 40000, destinationPort: 53)
            return planPath(local, on: onHost).egressInterface
        }
        #expect(egress(markedIn: .route) == "virbr0")
        #expect(egress(markedIn: .filter) == "eth0")
    }

    @Test func redirectSendsToTheInDevicesFirstAddressOrLoopback() {
        let redirect = Build.table("nat", [Build.base("pre", .prerouting, priority: -100, type: .nat, [
            Build.rule(1, .action(.redirect(ports: PortRange(low: 8053, high: 8053), flags: [])), text: "redirect to :8053"),
        ])])
        let seesIt = Build.table("filter", [Build.base("in", .input, policy: .drop, [
            Build.rule(1, .match(Match(.ipDaddr, .eq, Build.prefix("192.168.122.1/32"))), .action(.accept), text: "ip daddr 192.168.122.1 accept"),
        ])])
        let path = planPath(guestOut(), on: host(firewall: Firewall(tables: [redirect, seesIt])))
        #expect(path.fate == .accepted)
        #expect(path.destinationAfterNAT == Build.address("192.168.122.1"))
        var unread = host(firewall: Firewall(tables: [redirect, seesIt]))
        unread.coverage.links = .notCollected
        #expect(planPath(guestOut(), on: unread).fate == .unknown)
    }

    // MARK: routing before any table

    @Test func aReceivedLimitedBroadcastIsDeliveredLocally() {
        let discover = PacketProbe(inInterface: "virbr0", outInterface: nil, source: Build.address("0.0.0.0"),
                                   destination: Build.address("255.255.255.255"), l4Protocol: 17, sourcePort: 68, destinationPort: 67)
        let path = planPath(discover, on: host(firewall: Firewall()))
        #expect(path.fate == .accepted)
        #expect(path.hooks == [.ingress, .prerouting, .input])
        #expect(path.egressInterface == nil)
    }
}
