import Foundation
import Testing
import VNetModel
@testable import VNetParsers

/// Fixtures/nft/matches: rate and state matches, header fields (ttl, hop limit, dscp, length, tcp
/// flags), ct mark/status/direction, pkttype and fib lookups, loaded into a namespace with nft 1.0.6
/// and saved both as `nft -j list ruleset` and as the raw netlink dump.
struct NftStateAndHeaderMatchTests {
    private static func decoded() throws -> (json: [FirewallRule], netlink: [FirewallRule]) {
        (NftFixtures.rules(try NftFixtures.json("matches"), .inet, "matches", "input"),
         NftFixtures.rules(try NftFixtures.netlink("matches"), .inet, "matches", "input"))
    }

    @Test func bothDecodersGiveTheSameRules() throws {
        let (json, netlink) = try Self.decoded()
        #expect(json.count == 30)
        #expect(json == netlink)
    }

    /// The text is what `nft list ruleset` prints for each rule (tcp flags in the `&` form nft reads back).
    @Test func rulesPrintAsNftPrintsThem() throws {
        let (json, _) = try Self.decoded()
        #expect(json.map(\.text) == [
            #"limit rate 3/minute burst 10 packets log prefix "[UFW BLOCK] ""#,
            "limit rate over 10/second drop",
            "limit rate 1 mbytes/second counter",
            "quota over 100 mbytes drop",
            "ip ttl 64 accept",
            "ip ttl < 10 drop",
            "ip6 hoplimit 255 accept",
            "ip dscp cs1 accept",
            "ip6 dscp ef accept",
            "ip dscp { cs0, af41 } accept",
            "meta pkttype broadcast drop",
            "meta pkttype { host, multicast } accept",
            "meta length > 1200 drop",
            "meta length 100-200 accept",
            "tcp flags & (ack | syn) == syn accept",
            "tcp flags syn accept",
            "tcp flags & (ack | fin | rst | syn) != syn drop",
            "ct mark 16 accept",
            "ct mark & 0xff == 0x1 accept",
            "fib daddr type local accept",
            "fib daddr type { broadcast, multicast } drop",
            "fib saddr . iif oif missing drop",
            "fib saddr . iif oif exists accept",
            #"fib daddr oif "virbr0" accept"#,
            "meta nfproto ipv6 accept",
            "ct status dnat accept",
            "ct direction reply accept",
            "tcp dport 22 ct count over 3 reject with icmpx port-unreachable",
            "tcp dport 80 meter m1 size 65535 { ip saddr limit rate 10/second } accept",
            "tcp dport 443 meter m2 size 1024 { ip saddr . tcp dport timeout 30s limit rate over 5/minute burst 20 packets } drop",
        ])
    }

    /// Rate, quota and connection-count tests are matches the packet cannot decide: expressions
    /// (tried both ways), never statements that stop a walk; a `log` after a limit stays a log.
    @Test func rateAndStateTestsAreUndecidableMatches() throws {
        let (json, _) = try Self.decoded()
        let ufw = json[0].elements
        #expect(ufw == [
            .unknown(UnknownElement(kind: "expression", name: "limit", text: "limit rate 3/minute burst 10 packets",
                                    mayAffectVerdict: true)),
            .action(.log(prefix: "[UFW BLOCK] ")),
        ])
        #expect(json[3].elements.first == .unknown(UnknownElement(kind: "expression", name: "quota",
                                                                   text: "quota over 100 mbytes", mayAffectVerdict: true)))
        #expect(json[27].elements.dropFirst().first == .unknown(UnknownElement(kind: "expression", name: "ct count",
                                                                                text: "ct count over 3", mayAffectVerdict: true)))
        #expect(json[28].elements.dropFirst().first == .unknown(UnknownElement(
            kind: "expression", name: "meter", text: "meter m1 size 65535 { ip saddr limit rate 10/second }", mayAffectVerdict: true)))
    }

    @Test func headerFieldsKeepTheirValues() throws {
        let (json, _) = try Self.decoded()
        func first(_ i: Int) -> RuleElement? { json[i].elements.first }
        #expect(first(4) == .match(Match(.ipTTL, .eq, .integer(64))))
        #expect(first(5) == .match(Match(.ipTTL, .lt, .integer(10))))
        #expect(first(6) == .match(Match(.ip6HopLimit, .eq, .integer(255))))
        #expect(first(7) == .match(Match(.ipDSCP, .eq, .integer(8))))
        #expect(first(8) == .match(Match(.ip6DSCP, .eq, .integer(46))))
        #expect(first(12) == .match(Match(.length, .gt, .integer(1200))))
        #expect(first(13) == .match(Match(.length, .eq, .range(low: 100, high: 200))))
        #expect(first(14) == .match(Match(.tcpFlags, .eq, .flagsMasked(mask: ["ack", "syn"], set: ["syn"]))))
        #expect(first(15) == .match(Match(.tcpFlags, .eq, .flags(["syn"]))))
        #expect(first(17) == .match(Match(.ctMark, .eq, .integer(16))))
    }

    @Test func fibLookupsAreFields() throws {
        let (json, _) = try Self.decoded()
        #expect(json[19].elements.first == .match(Match(.fib(flags: ["daddr"], result: "type"), .eq, .symbol("local"))))
        #expect(json[20].elements.first == .match(Match(.fib(flags: ["daddr"], result: "type"), .eq,
                                                        .set([.symbol("broadcast"), .symbol("multicast")]))))
        #expect(json[21].elements.first == .match(Match(.fib(flags: ["saddr", "iif"], result: "oif"), .eq, .bool(false))))
        #expect(json[22].elements.first == .match(Match(.fib(flags: ["saddr", "iif"], result: "oif"), .eq, .bool(true))))
        #expect(json[23].elements.first == .match(Match(.fib(flags: ["daddr"], result: "oif"), .eq, .string("virbr0"))))
    }
}
