import Foundation
import Testing
import VNetModel
import VNetParsers
import VNetEvaluate

/// TTL, DSCP, length, TCP flags, ct mark, pkttype and fib matches, decided as the kernel decides
/// them where the packet or the host determines them, absent where the packet lacks the field,
/// unknown where the caller did not say.
@Suite struct HeaderAndHostMatchTests {
    /// A host with virbr0 at 192.168.122.1/24 and eth0 at 10.0.0.5/24 (HostBuild's routes).
    private static let addresses = [
        InterfaceAddress(linkName: "virbr0", linkIndex: 3, address: Build.address("192.168.122.1"), prefixLength: 24, scope: .global),
        InterfaceAddress(linkName: "eth0", linkIndex: 2, address: Build.address("10.0.0.5"), prefixLength: 24, scope: .global),
    ]

    /// The fate of `probe` on the host through a chain at `hook` that accepts only what `match` lets
    /// through (policy drop, an inet table for both families): accepted = yes, dropped = no (or the field is absent), unknown = unknown.
    private func fate(_ probe: PacketProbe, _ match: Match, at hook: Hook = .prerouting, extra: [FirewallTable] = [],
                      host: HostState = HostBuild.host(addresses: addresses)) -> PacketFate {
        let table = Build.table("filter", family: .inet, [Build.base("c", hook, policy: .drop, [
            Build.rule(1, .match(match), .action(.accept), text: "test accept"),
        ])])
        var onHost = host
        onHost.firewall = Firewall(tables: [table] + extra)
        return planPath(probe, on: onHost).fate
    }

    /// What the chain at PREROUTING did, whatever routing decides after it.
    private func preroutingOnly(_ probe: PacketProbe, _ match: Match, host: HostState) -> [ChainOutcome] {
        var onHost = host
        onHost.firewall = Firewall(tables: [Build.table("filter", family: .inet, [Build.base("c", .prerouting, policy: .drop, [
            Build.rule(1, .match(match), .action(.accept), text: "test accept"),
        ])])])
        return planPath(probe, on: onHost).firewall.steps.map(\.outcome)
    }

    private func guest(to destination: String = "93.184.216.34", from source: String = "192.168.122.11", proto: UInt8 = 6,
                       state: ConntrackState = .new, ttl: UInt8? = nil, length: UInt16? = nil, dscp: UInt8? = nil,
                       tcpFlags: Set<String>? = nil, ctMark: UInt64? = nil) -> PacketProbe {
        PacketProbe(inInterface: "virbr0", outInterface: nil, source: Build.address(source),
                    destination: Build.address(destination), l4Protocol: proto, sourcePort: 40000, destinationPort: 443,
                    conntrack: state, ttl: ttl, length: length, dscp: dscp, tcpFlags: tcpFlags, conntrackMark: ctMark)
    }

    @Test func ttlIsLoweredByOneBeforeForward() {
        let sixtyFour = Match(.ipTTL, .eq, .integer(64))
        #expect(fate(guest(ttl: 64), sixtyFour) == .accepted)
        #expect(fate(guest(ttl: 64), sixtyFour, at: .forward) == .dropped)
        #expect(fate(guest(ttl: 64), Match(.ipTTL, .eq, .integer(63)), at: .forward) == .accepted)
        #expect(fate(guest(ttl: 5), Match(.ipTTL, .lt, .integer(10))) == .accepted)
        #expect(fate(guest(), sixtyFour) == .unknown)  // not given
        // IPv6 has a hop limit, no TTL: the match breaks whatever the operator.
        let v6 = guest(to: "2001:db8:2::1", from: "2001:db8:1::7", ttl: 64)
        #expect(fate(v6, Match(.ipTTL, .ne, .integer(1))) == .dropped)
        #expect(fate(v6, Match(.ip6HopLimit, .eq, .integer(63)), at: .forward) == .accepted)
    }

    @Test func dscpAndLengthCompareTheGivenValues() {
        #expect(fate(guest(dscp: 8), Match(.ipDSCP, .eq, .integer(8))) == .accepted)
        #expect(fate(guest(dscp: 46), Match(.ipDSCP, .eq, .set([.integer(0), .integer(34)]))) == .dropped)
        #expect(fate(guest(), Match(.ipDSCP, .eq, .integer(8))) == .unknown)
        #expect(fate(guest(dscp: 8), Match(.ip6DSCP, .ne, .integer(0))) == .dropped)  // absent on IPv4
        let long = Match(.length, .gt, .integer(1200))
        #expect(fate(guest(length: 1500), long) == .accepted)
        #expect(fate(guest(length: 60), long) == .dropped)
        #expect(fate(guest(), long) == .unknown)
        #expect(fate(guest(length: 150), Match(.length, .eq, .range(low: 100, high: 200))) == .accepted)
    }

    @Test func aNewConnectionsFirstPacketIsASyn() {
        let synOnly = Match(.tcpFlags, .eq, .flagsMasked(mask: ["ack", "syn"], set: ["syn"]))
        let notSyn = Match(.tcpFlags, .ne, .flagsMasked(mask: ["ack", "fin", "rst", "syn"], set: ["syn"]))
        #expect(fate(guest(), synOnly) == .accepted)
        #expect(fate(guest(), notSyn) == .dropped)
        #expect(fate(guest(), Match(.tcpFlags, .eq, .flags(["syn"]))) == .accepted)
        #expect(fate(guest(state: .established), synOnly) == .unknown)
        #expect(fate(guest(state: .established, tcpFlags: ["ack"]), synOnly) == .dropped)
        #expect(fate(guest(state: .established, tcpFlags: ["ack", "syn"]), notSyn) == .accepted)
        // A UDP packet has no TCP flags: even the negated test breaks.
        #expect(fate(guest(proto: 17), notSyn) == .dropped)
    }

    @Test func conntrackMarkIsZeroForANewConnectionAndFollowsTheRulesThatSetIt() {
        let zero = Match(.ctMark, .eq, .integer(0))
        #expect(fate(guest(), zero) == .accepted)
        #expect(fate(guest(), Match(.ctMark, .eq, .integer(16))) == .dropped)
        #expect(fate(guest(state: .established), zero) == .unknown)
        #expect(fate(guest(state: .established, ctMark: 16), Match(.ctMark, .eq, .maskedInteger(value: 16, mask: 0xff))) == .accepted)
        #expect(fate(guest(state: .untracked), Match(.ctMark, .ne, .integer(1))) == .dropped)  // no conntrack entry
        let marker = Build.table("mangle", [Build.base("m", .prerouting, priority: -150, [
            Build.rule(1, .action(.setCtMark(value: 16, mask: nil)), text: "ct mark set 0x10"),
        ])])
        // Set at -150 (after conntrack), seen by the chain at 0; behind an undecidable match, unknown;
        // before conntrack (raw) there is no connection to mark.
        #expect(fate(guest(), Match(.ctMark, .eq, .integer(16)), extra: [marker]) == .accepted)
        #expect(fate(guest(), zero, extra: [marker]) == .dropped)
        let maybe = Build.table("mangle", [Build.base("m", .prerouting, priority: -150, [
            Build.rule(1, .match(Match(MatchField("meta.cpu"), .eq, .integer(0))), .action(.setCtMark(value: 16, mask: nil)),
                       text: "meta cpu 0 ct mark set 0x10"),
        ])])
        #expect(fate(guest(), zero, extra: [maybe]) == .unknown)
        let raw = Build.table("raw", [Build.base("r", .prerouting, priority: -300, [
            Build.rule(1, .action(.setCtMark(value: 16, mask: nil)), text: "ct mark set 0x10"),
        ])])
        #expect(fate(guest(), zero, extra: [raw]) == .accepted)
        // A mark copied from the packet (CONNMARK --save-mark) is not followed: unknown.
        let copier = Build.table("mangle", [Build.base("m", .prerouting, priority: -150, [
            Build.rule(1, .action(.statement(name: "CONNMARK", detail: "--save-mark")), text: "-j CONNMARK --save-mark"),
        ])])
        #expect(fate(guest(), zero, extra: [copier]) == .unknown)
    }

    /// ufw6's `-m rt --rt-type 0 -j DROP`: the kernel's rt match breaks when the packet has no routing
    /// header, negated or not; probes carry none.
    @Test func routingHeaderMatchesBreakWithoutTheHeader() {
        let v6 = guest(to: "2001:db8::1", from: "fd00:122::11")
        #expect(fate(v6, Match(.ip6RoutingType, .eq, .integer(0))) == .dropped)
        #expect(fate(v6, Match(.ip6RoutingType, .ne, .integer(0))) == .dropped)
        #expect(fate(v6, Match(MatchField("ip6.rt.segsleft"), .ne, .range(low: 1, high: 3))) == .dropped)
    }

    @Test func packetTypeFollowsTheDestination() {
        let broadcast = Match(.pkttype, .eq, .symbol("broadcast"))
        #expect(fate(guest(to: "255.255.255.255"), broadcast) == .accepted)
        #expect(fate(guest(to: "192.168.122.255"), broadcast) == .accepted)  // virbr0's subnet broadcast
        #expect(fate(guest(to: "10.0.0.255"), broadcast) == .dropped)  // eth0's, but the packet came in on virbr0
        // Accepted at PREROUTING (routing then cannot tell whether the host joined the group).
        #expect(fate(guest(to: "224.0.0.251"), Match(.pkttype, .eq, .symbol("multicast"))) == .unknown)
        #expect(fate(guest(to: "224.0.0.251"), Match(.pkttype, .ne, .symbol("multicast"))) == .dropped)
        #expect(fate(guest(), Match(.pkttype, .eq, .symbol("host"))) == .accepted)
        #expect(fate(guest(to: "ff02::fb", from: "fe80::5054:ff:fe00:1"), Match(.pkttype, .eq, .symbol("multicast"))) == .unknown)
        #expect(fate(guest(to: "ff02::fb", from: "fe80::5054:ff:fe00:1"), Match(.pkttype, .ne, .symbol("multicast"))) == .dropped)
        // Without the interfaces' addresses a unicast-looking IPv4 destination may be a subnet broadcast.
        // Then the local table's broadcast routes tell; with neither, it is unknown.
        let noLinks = HostBuild.host(coverage: Coverage(routes: .live, sysctls: .live))
        #expect(fate(guest(), Match(.pkttype, .eq, .symbol("host")), host: noLinks) == .accepted)
        #expect(fate(guest(to: "192.168.122.255"), Match(.pkttype, .eq, .symbol("broadcast")), host: noLinks) == .accepted)
        let nothing = HostBuild.host(coverage: Coverage(sysctls: .live))
        #expect(preroutingOnly(guest(), Match(.pkttype, .eq, .symbol("host")), host: nothing) == [.unknown(reason: "test accept: its matches cannot be decided")])
    }

    @Test func fibReversePathLookupUsesTheHostsRoutes() {
        // firewalld's reverse-path filter: drop what would not be routed back out of the in-interface.
        let missing = Match(.fib(flags: ["saddr", "iif"], result: "oif"), .eq, .bool(false))
        let rpfilter = Build.table("raw", [Build.base("rp", .prerouting, priority: -300, [
            Build.rule(1, .match(missing), .action(.drop), text: "fib saddr . iif oif missing drop"),
        ])])
        let accept = Match(.l4proto, .eq, .integer(6))
        #expect(fate(guest(), accept, extra: [rpfilter]) == .accepted)
        #expect(fate(guest(from: "10.0.0.77"), accept, extra: [rpfilter]) == .dropped)  // routed back out of eth0
        #expect(fate(guest(to: "255.255.255.255", from: "0.0.0.0", proto: 17), Match(.l4proto, .eq, .integer(17)),
                     extra: [rpfilter]) == .accepted)  // DHCP discover
        let noRoutes = HostBuild.host(routes: [], coverage: Coverage(links: .live))
        #expect(fate(guest(), accept, extra: [rpfilter], host: noRoutes) == .unknown)

        #expect(fate(guest(to: "192.168.122.1"), Match(.fib(flags: ["daddr"], result: "type"), .eq, .symbol("local"))) == .accepted)
        #expect(fate(guest(), Match(.fib(flags: ["daddr"], result: "type"), .eq, .symbol("local"))) == .dropped)
        #expect(fate(guest(), Match(.fib(flags: ["daddr"], result: "oif"), .eq, .string("eth0"))) == .accepted)
        #expect(fate(guest(to: "10.0.0.5"), Match(.fib(flags: ["daddr", "iif"], result: "type"), .eq, .symbol("local"))) == .dropped)
    }

    /// ufw's logging rule as nft prints it: the limit is a match tried both ways, the log cannot change
    /// the fate, so the walk goes on to the rules after it.
    @Test func aRateLimitedLogDoesNotStopTheWalk() throws {
        let doc = #"""
        {"nftables": [{"table": {"family": "ip", "name": "ufw"}},
        {"chain": {"family": "ip", "table": "ufw", "name": "input", "type": "filter", "hook": "prerouting", "prio": 0, "policy": "drop"}},
        {"rule": {"family": "ip", "table": "ufw", "chain": "input", "handle": 2, "expr": [
          {"limit": {"rate": 3, "burst": 10, "per": "minute"}}, {"log": {"prefix": "[UFW BLOCK] "}}]}},
        {"rule": {"family": "ip", "table": "ufw", "chain": "input", "handle": 3, "expr": [
          {"limit": {"rate": 10, "burst": 5, "per": "second", "inv": true}}, {"drop": null}]}},
        {"rule": {"family": "ip", "table": "ufw", "chain": "input", "handle": 4, "expr": [{"accept": null}]}}]}
        """#
        var host = HostBuild.host(addresses: Self.addresses)
        host.firewall = Firewall(tables: try NftJSONDecoder.decode(Data(doc.utf8), file: "ufw.json"))
        #expect(host.firewall.tables[0].chains[0].rules[0].text == #"limit rate 3/minute burst 10 packets log prefix "[UFW BLOCK] ""#)
        // The log rule passes; the rate-limited drop decides: both ways differ, so the fate is unknown
        // and names that rule, not the log.
        let path = planPath(guest(), on: host)
        #expect(path.fate == .unknown)
        #expect(!path.firewall.unknownBecause.isEmpty)
        #expect(path.firewall.unknownBecause.allSatisfy { $0.contains("limit rate over 10/second drop") })
        host.firewall.tables[0].chains[0].rules.remove(at: 1)
        #expect(planPath(guest(), on: host).fate == .accepted)
    }
}
