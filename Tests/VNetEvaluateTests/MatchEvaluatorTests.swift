import Testing
import VNetModel
@testable import VNetEvaluate

/// Each match field against a packet, three-valued: what cannot be compared is unknown, never no.
@Suite struct MatchEvaluatorTests {
    private static let guestSubnets = NamedSet(name: "guests", keyType: ["ipv4_addr"], flags: ["interval"],
                                               elements: [SetElement(key: Build.prefix("192.168.122.0/24"))])
    private static let table = Build.table("t", [], sets: [guestSubnets])

    private func check(_ match: Match, _ probe: PacketProbe = Build.guestOutbound(), at hook: Hook = .forward) -> ThreeValued {
        MatchEvaluator(table: Self.table, probe: probe, hook: hook, addressTypes: nil).evaluate(match)
    }

    @Test func interfaceNamesAndWildcards() {
        #expect(check(Match(.iifname, .eq, .string("virbr0"))) == .yes)
        #expect(check(Match(.iifname, .eq, .wildcard(prefix: "virbr"))) == .yes)
        #expect(check(Match(.oifname, .eq, .wildcard(prefix: "virbr"))) == .no)
        #expect(check(Match(.oifname, .ne, .string("virbr0"))) == .yes)
        #expect(check(Match(MatchField("meta.oif"), .eq, .string("eth0"))) == .yes)
    }

    @Test func noOutputInterfaceBeforeRouting() {
        #expect(check(Match(.oifname, .eq, .string("eth0")), at: .prerouting) == .no)
        #expect(check(Match(MatchField("meta.oif"), .ne, .string("eth0")), at: .prerouting) == .no)
    }

    @Test func addressPrefixesRangesAndNegation() {
        #expect(check(Match(.ipSaddr, .eq, Build.prefix("192.168.122.0/24"))) == .yes)
        #expect(check(Match(.ipDaddr, .ne, Build.prefix("192.168.122.0/24"))) == .yes)
        let range = MatchValue.addressRange(low: Build.address("192.168.122.2"), high: Build.address("192.168.122.10"))
        #expect(check(Match(.ipSaddr, .eq, range)) == .no)
        #expect(check(Match(.ip6Saddr, .eq, Build.prefix("::/0"))) == .no)
    }

    @Test func anonymousAndNamedSets() {
        #expect(check(Match(.tcpDport, .eq, .set([.integer(80), .integer(443)]))) == .yes)
        #expect(check(Match(.tcpDport, .ne, .set([.integer(80), .integer(443)]))) == .no)
        #expect(check(Match(.ipSaddr, .eq, .namedSet("guests"))) == .yes)
        #expect(check(Match(.ipDaddr, .eq, .namedSet("guests"))) == .no)
        #expect(check(Match(.ipSaddr, .eq, .namedSet("missing"))) == .unknown)
    }

    @Test func portsRangesAndProtocols() {
        #expect(check(Match(.tcpDport, .eq, .range(low: 400, high: 500))) == .yes)
        #expect(check(Match(.thDport, .eq, .range(low: 1, high: 442))) == .no)
        #expect(check(Match(.udpDport, .ne, .integer(53))) == .no, "a UDP port of a TCP packet breaks the rule")
        #expect(check(Match(.tcpSport, .ge, .integer(1024))) == .yes)
        #expect(check(Match(.l4proto, .eq, .integer(6))) == .yes)
        var portless = Build.guestOutbound()
        portless.destinationPort = nil
        #expect(check(Match(.tcpDport, .eq, .integer(443)), portless) == .unknown)
    }

    @Test func icmpTypes() {
        let ping = PacketProbe(inInterface: "virbr0", outInterface: "eth0", source: Build.address("192.168.122.11"),
                               destination: Build.address("1.1.1.1"), l4Protocol: 1, icmpType: 8, icmpCode: 0)
        #expect(check(Match(.icmpType, .eq, .integer(8)), ping) == .yes)
        #expect(check(Match(.icmpCode, .eq, .integer(0)), ping) == .yes)
        #expect(check(Match(.icmpv6Type, .eq, .integer(128)), ping) == .no)
        #expect(check(Match(.icmpType, .eq, .integer(8))) == .no)
    }

    @Test func conntrackStateIsAnyOf() {
        #expect(check(Match(.ctState, .eq, .flags(["established", "related"]))) == .no)
        #expect(check(Match(.ctState, .eq, .flags(["established", "related"])), Build.guestOutbound(conntrack: .established)) == .yes)
        #expect(check(Match(.ctState, .ne, .flags(["invalid"]))) == .yes)
    }

    @Test func maskedMarksAndFamilies() {
        var marked = Build.guestOutbound()
        marked.mark = 0x1234
        #expect(check(Match(.mark, .eq, .maskedInteger(value: 0x34, mask: 0xff)), marked) == .yes)
        #expect(check(Match(.mark, .eq, .integer(0x34)), marked) == .no)
        marked.mark = nil
        #expect(check(Match(.mark, .eq, .integer(0)), marked) == .unknown)
        #expect(check(Match(.nfproto, .eq, .integer(2))) == .yes)
        #expect(check(Match(.nfproto, .eq, .symbol("ipv6"))) == .no)
    }

    @Test func unmodelledFieldsAndValuesAreUnknown() {
        #expect(check(Match(MatchField("meta.cpu"), .eq, .integer(0))) == .unknown)
        #expect(check(Match(.dstAddrType, .ne, .symbol("local"))) == .unknown)
        #expect(check(Match(.ipSaddr, .eq, .concat([.integer(1)]))) == .unknown)
    }
}
