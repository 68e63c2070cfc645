import Foundation
import Testing
import VNetModel
@testable import VNetParsers

/// Fixtures/iptables/matches.v4.save and .v6.save (iptables-legacy-save output) and the same rules
/// loaded with iptables-nft (Fixtures/nft/iptables-nft-matches.netlink): counting matches stay whole,
/// undecidable, with their options; header-value matches become model fields.
struct IptablesStateAndHeaderMatchTests {
    private func input(_ name: String, _ family: AddressFamily) throws -> [FirewallRule] {
        try IptablesFixtures.parse(name, family: family).first { $0.name == "filter" }?.chain("INPUT")?.rules ?? []
    }

    private func undecidable(_ name: String, _ text: String) -> RuleElement {
        .unknown(UnknownElement(kind: "match", name: name, text: text, mayAffectVerdict: true))
    }

    /// Elements without what only spelling tells apart: nft leaves out the `meta l4proto` a tcp field
    /// implies, and lists TCP flags by name where iptables lists them by bit.
    private func comparable(_ elements: [RuleElement]) -> [RuleElement] {
        elements.compactMap { element in
            guard case .match(let m) = element else { return element }
            if m.field == .l4proto { return nil }
            guard case .flagsMasked(let mask, let set) = m.value else { return element }
            return .match(Match(m.field, m.op, .flagsMasked(mask: mask.sorted(), set: set.sorted())))
        }
    }

    @Test func countingMatchesAreKeptWholeAsUndecidableMatches() throws {
        let rules = try input("matches.v4.save", .ipv4)
        #expect(rules[0].elements == [undecidable("limit", "-m limit --limit 3/min --limit-burst 10"),
                                      .action(.log(prefix: "[UFW BLOCK] "))])
        #expect(rules[1].elements[1] == undecidable("hashlimit", "-m hashlimit --hashlimit-above 10/sec --hashlimit-burst 5 "
                                                     + "--hashlimit-mode srcip --hashlimit-name ssh"))
        #expect(rules[2].elements[2] == undecidable("connlimit", "-m connlimit --connlimit-above 3 --connlimit-mask 32 --connlimit-saddr"))
        #expect(rules[3].elements == [undecidable("quota", "-m quota --quota 1000000"), .action(.accept)])
    }

    @Test func headerValueMatchesBecomeFields() throws {
        let v4 = try input("matches.v4.save", .ipv4)
        func first(_ rules: [FirewallRule], _ i: Int) -> RuleElement? { rules[i].elements.first }
        #expect(first(v4, 4) == .match(Match(.ipTTL, .eq, .integer(64))))
        #expect(first(v4, 5) == .match(Match(.ipTTL, .lt, .integer(10))))
        #expect(first(v4, 6) == .match(Match(.ipDSCP, .eq, .integer(8))))
        #expect(first(v4, 7) == .match(Match(.ipDSCP, .eq, .integer(46))))  // --dscp-class EF, saved as 0x2e
        #expect(first(v4, 8) == .match(Match(.pkttype, .eq, .symbol("broadcast"))))
        #expect(first(v4, 9) == .match(Match(.length, .eq, .range(low: 1201, high: 65535))))
        #expect(first(v4, 10) == .match(Match(.length, .ne, .range(low: 100, high: 200))))
        #expect(v4[11].elements[1] == .match(Match(.tcpFlags, .eq, .flagsMasked(mask: ["syn", "ack"], set: ["syn"]))))
        #expect(v4[12].elements[1] == .match(Match(.tcpFlags, .eq, .flagsMasked(mask: ["fin", "syn", "rst", "ack"], set: ["syn"]))))
        #expect(first(v4, 13) == .match(Match(.ctMark, .eq, .integer(16))))
        #expect(first(v4, 14) == .match(Match(.ctStatus, .eq, .flags(["confirmed"]))))
        #expect(first(v4, 15) == .match(Match(.ctDirection, .eq, .symbol("reply"))))
        #expect(first(v4, 16) == .match(Match(.dstAddrType, .eq, .symbol("local"))))
        #expect(v4.filter(\.hasUnknown).count == 4)  // limit, hashlimit, connlimit, quota

        let v6 = try input("matches.v6.save", .ipv6)
        #expect(first(v6, 4) == .match(Match(.ip6HopLimit, .eq, .integer(64))))
        #expect(first(v6, 5) == .match(Match(.ip6HopLimit, .lt, .integer(10))))
        #expect(first(v6, 7) == .match(Match(.ip6DSCP, .eq, .integer(46))))
    }

    /// ufw6's `-m rt --rt-type 0 -j DROP`, decoded (the evaluator's side: HeaderAndHostMatchTests).
    @Test func routingHeaderMatchesNeedTheHeader() throws {
        let rules = try input("routing-header.v6.save", .ipv6)
        #expect(rules.map(\.hasUnknown) == [false, false, false])
        #expect(rules[0].elements.first == .match(Match(.ip6RoutingType, .eq, .integer(0))))
        #expect(rules[1].elements.first == .match(Match(MatchField("ip6.rt.segsleft"), .ne, .range(low: 1, high: 3))))
    }

    @Test func badValuesAreReportedNotGuessed() throws {
        for tokens in [["-m", "ttl", "--ttl-eq", "300"], ["-m", "dscp", "--dscp", "64"], ["-m", "dscp", "--dscp-class", "XX"],
                       ["-m", "length", "--length", "9:3"]] {
            let result = IptablesRuleBuilder.build(tokens: ["-A", "INPUT"] + tokens + ["-j", "DROP"], family: .ipv4, position: 1,
                                                   counters: nil, chains: nil)
            #expect(result.rule.hasUnknown && !result.problems.isEmpty, "\(tokens)")
        }
    }

    /// iptables-nft keeps these as compat expressions holding the x_tables blobs: decoded, they read
    /// as the legacy rules they mirror.
    @Test func iptablesNftCompatBlobsReadAsTheLegacyRules() throws {
        let tables = try NftFixtures.netlink("iptables-nft-matches")
        for (family, name) in [(TableFamily.ip, "matches.v4.save"), (.ip6, "matches.v6.save")] {
            let nft = NftFixtures.rules(tables, family, "filter", "INPUT")
            let legacy = try input(name, family == .ip ? .ipv4 : .ipv6)
            #expect(nft.count == legacy.count)
            for (n, l) in zip(nft, legacy) {
                // iptables-nft adds a counter to every rule; the limit is a native nft limit.
                let elements = comparable(n.elements.filter { $0 != .action(.counter) })
                if case .unknown(let u) = elements.first, u.name == "limit" { continue }
                #expect(elements == comparable(l.elements), "\(n.text)")
            }
        }
    }
}
