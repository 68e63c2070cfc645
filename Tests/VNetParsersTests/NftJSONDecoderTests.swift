import Foundation
import Testing
import VNetModel
@testable import VNetParsers

/// `nft -j list ruleset` fixtures captured from real rule sets -> exact model values.
struct NftJSONDecoderTests {
    private func prefix(_ s: String) -> MatchValue { .prefix(IPPrefix(s)!) }

    @Test func libvirtNftablesBackendTables() throws {
        let tables = try NftFixtures.json("libvirt-nftables")
        #expect(tables.map { "\($0.family.rawValue) \($0.name)" } == ["ip libvirt_network", "ip6 libvirt_network"])
        #expect(tables.allSatisfy { $0.system == .nftables })
        let ip = tables[0]
        #expect(ip.chains.map(\.name) == ["forward", "guest_output", "guest_input", "guest_cross", "guest_nat"])
        #expect(ip.chain("forward")?.base == BaseChain(type: .filter, hook: .forward, priority: 0, policy: .accept))
        #expect(ip.chain("guest_nat")?.base == BaseChain(type: .nat, hook: .postrouting, priority: 100, policy: .accept))
        #expect(ip.chain("guest_output")?.base == nil)
        #expect(ip.chain("forward")?.rules.map(\.elements) == ["guest_cross", "guest_input", "guest_output"].map {
            [.action(.counter), .action(.jump($0))]
        })

        let input = NftFixtures.rules(tables, .ip, "libvirt_network", "guest_input")
        #expect(input.count == 5)
        let established = input[3]
        #expect(established.position == 4)
        #expect(established.elements == [
            .match(Match(MatchField("meta.oif"), .eq, .string("virbr0"))),
            .match(Match(.ipDaddr, .eq, prefix("192.168.122.0/24"))),
            .match(Match(.ctState, .eq, .flags(["established", "related"]))),
            .action(.counter), .action(.accept),
        ])
        #expect(established.counters == Counters(packets: 0, bytes: 0))
        #expect(established.text == #"meta oif "virbr0" ip daddr 192.168.122.0/24 ct state established,related counter accept"#)
        #expect(input[4].elements.last == .action(.reject(with: "icmp port-unreachable")))

        let nat = NftFixtures.rules(tables, .ip, "libvirt_network", "guest_nat")
        #expect(nat[1].elements.prefix(2) == [.match(Match(.ipSaddr, .eq, prefix("192.168.122.0/24"))),
                                              .match(Match(.ipDaddr, .eq, prefix("255.255.255.255/32")))])
        #expect(nat[2].elements == [
            .match(Match(.l4proto, .eq, .integer(6))),
            .match(Match(.ipSaddr, .eq, prefix("192.168.122.0/24"))),
            .match(Match(.ipDaddr, .ne, prefix("192.168.122.0/24"))),
            .action(.counter), .action(.masquerade(ports: PortRange(low: 1024, high: 65535), flags: [])),
        ])
        #expect(nat[4].elements.last == .action(.masquerade(ports: nil, flags: [])))

        let ip6 = NftFixtures.rules(tables, .ip6, "libvirt_network", "guest_output")
        #expect(ip6[0].elements.first == .match(Match(.ip6Saddr, .eq, prefix("2001:db8:ca2:2::/64"))))
        #expect(ip6[1].elements.last == .action(.reject(with: "icmpv6 port-unreachable")))
    }

    @Test func iptablesNftTablesKeepCompatExtensionsAsUnknown() throws {
        let tables = try NftFixtures.json("iptables-nft")
        #expect(tables.map(\.name) == ["mangle", "nat", "filter"])
        let filter = tables[2]
        #expect(filter.chain("FORWARD")?.base == BaseChain(type: .filter, hook: .forward, priority: 0, policy: .drop))
        #expect(tables[0].chain("OUTPUT")?.base?.type == .route)
        #expect(tables[0].chain("OUTPUT")?.base?.priority == -150)

        let forward = filter.chain("FORWARD")!.rules
        guard case .unknown(let physdev) = forward[0].elements[0] else { Issue.record("physdev not unknown"); return }
        #expect(physdev.kind == "match" && physdev.name == "physdev" && physdev.mayAffectVerdict)
        #expect(forward[0].hasUnknown)
        #expect(forward[0].text == "xt match physdev counter accept")
        #expect(forward[4].elements.prefix(2) == [.match(Match(.iifname, .eq, .string("docker0"))),
                                                  .match(Match(.oifname, .ne, .string("docker0")))])
        #expect(forward[5].elements.first == .match(Match(.oifname, .eq, .wildcard(prefix: "virbr"))))

        let inp = filter.chain("LIBVIRT_INP")!.rules
        #expect(inp[0].elements == [.match(Match(.iifname, .eq, .string("virbr0"))),
                                    .match(Match(.udpDport, .eq, .integer(53))), .action(.counter), .action(.accept)])
        let out = filter.chain("LIBVIRT_OUT")!.rules
        #expect(out[4].elements.first == .match(Match(.tcpFlags, .eq, .flagsMasked(mask: ["ack", "fin", "rst", "syn"], set: ["syn"]))))
        #expect(out[5].elements.first == .match(Match(.mark, .eq, .maskedInteger(value: 1, mask: 0xff))))

        let input = filter.chain("INPUT")!.rules
        #expect(input[3].elements.first == .match(Match(.l4proto, .eq, .integer(6))))
        guard case .unknown(let limit) = input[5].elements[0] else { Issue.record("limit not unknown"); return }
        #expect(limit.text == "limit rate 5/minute")  // nft leaves out the default burst of 5

        let checksum = NftFixtures.rules(tables, .ip, "mangle", "LIBVIRT_PRT")[0]
        #expect(checksum.text == #"meta oifname "virbr0" udp dport 68 counter xt target CHECKSUM"#)
    }

    @Test func inetTableWithSetsMapsAndConcatenations() throws {
        let tables = try NftFixtures.json("inet-firewall")
        #expect(tables.map { "\($0.family.rawValue) \($0.name)" } ==
                ["inet hostfw", "bridge brfilter", "netdev ingress_guard", "arp arpfilter"])
        let fw = tables[0]
        #expect(fw.set("trusted4") == NamedSet(name: "trusted4", handle: fw.set("trusted4")?.handle, keyType: ["ipv4_addr"],
                                                flags: ["interval"], elements: [
            SetElement(key: prefix("10.0.0.0/8")), SetElement(key: prefix("172.16.0.0/12")),
            SetElement(key: .addressRange(low: IPAddress("192.168.1.10")!, high: IPAddress("192.168.1.20")!)),
        ]))
        #expect(fw.set("svc")?.keyType == ["ipv4_addr", "inet_proto", "inet_service"])
        #expect(fw.set("svc")?.elements.first?.key == .concat([prefix("192.168.122.1/32"), .integer(6), .integer(22)]))
        #expect(fw.set("zone_in")?.mapType == "verdict")
        #expect(fw.set("zone_in")?.elements == [SetElement(key: .string("eth0"), verdict: .goto("zone_public")),
                                                SetElement(key: .string("virbr0"), verdict: .jump("zone_libvirt"))])
        #expect(fw.set("blocked_ports")?.elements.map(\.key) == [.range(low: 135, high: 139), .integer(445)])

        let input = fw.chain("input")!
        #expect(input.base?.policy == .drop)
        let r = input.rules
        #expect(r[0].comment == "return traffic")
        #expect(r[0].text == #"ct state established,related accept comment "return traffic""#)
        #expect(r[1].elements.first == .match(Match(.ctState, .eq, .flags(["invalid"]))))
        #expect(r[3].elements == [.action(.verdictMap(key: [.iifname], entries: [], namedMap: "zone_in"))])
        #expect(r[4].elements.first == .match(Match(.ipSaddr, .eq, .namedSet("trusted4"))))
        #expect(r[6].elements.first == .match(Match(MatchField("ip.daddr . meta.l4proto . th.dport"), .eq, .namedSet("svc"))))
        #expect(r[7].elements.first == .match(Match(.tcpDport, .eq, .set([.integer(22), .integer(80), .integer(443)]))))
        #expect(r[8].elements.first == .match(Match(.udpDport, .ne, .namedSet("blocked_ports"))))
        #expect(r[9].elements.first == .match(Match(.l4proto, .eq, .set([.integer(1), .integer(58)]))))
        #expect(r[10].elements.first == .match(Match(.icmpType, .eq, .integer(8))))
        #expect(r[11].elements.first == .match(Match(.iifname, .eq, .wildcard(prefix: "veth"))))
        #expect(r[13].elements == [.action(.verdictMap(key: [MatchField("ip.protocol")], entries: [
            VerdictMapEntry(key: .integer(6), verdict: .jump("tcp_in")), VerdictMapEntry(key: .integer(17), verdict: .continue),
        ], namedMap: nil))])
        #expect(r[14].elements == [.action(.reject(with: "icmpx admin-prohibited"))])

        let forward = fw.chain("forward")!.rules
        #expect(forward[0].elements == [.action(.verdictMap(key: [.ctState], entries: [
            VerdictMapEntry(key: .flags(["established"]), verdict: .accept),
            VerdictMapEntry(key: .flags(["invalid"]), verdict: .drop),
            VerdictMapEntry(key: .flags(["related"]), verdict: .accept),
        ], namedMap: nil))])
        #expect(forward[1].elements.first == .match(Match(MatchField("meta.iifname . meta.oifname"), .eq, .set([
            .concat([.string("eth0"), .string("virbr0")]), .concat([.string("virbr0"), .string("eth0")]),
        ]))))
        #expect(forward[2].elements[1] == .match(Match(.tcpDport, .eq, .range(low: 1000, high: 2000))))
        #expect(forward[3].elements == [.action(.setMark(value: 1, mask: nil)),
                                        .action(.statement(name: "ct mark set", detail: "meta mark"))])
        #expect(forward[4].elements.last == .action(.reject(with: "tcp reset")))

        let dnat = fw.chain("prerouting")!.rules
        let to = IPAddress("192.168.122.50")!
        #expect(dnat[0].elements.last == .action(.dnat(addresses: AddressRange(low: to, high: to),
                                                       ports: PortRange(low: 22, high: 22), flags: [])))
        #expect(dnat[1].elements.last == .action(.redirect(ports: PortRange(low: 8080, high: 8080), flags: [])))
        let snat = fw.chain("postrouting")!.rules
        let from = IPAddress("198.51.100.7")!
        #expect(snat[0].elements.last == .action(.snat(addresses: AddressRange(low: from, high: from), ports: nil, flags: [])))
        #expect(fw.chain("raw")?.rules[0].elements.last == .action(.notrack))
        #expect(fw.chain("raw")?.base?.priority == -300)

        let bridge = tables[1].chain("forward")!.rules
        #expect(bridge[0].elements.first == .match(Match(MatchField("ether.type"), .eq, .integer(0x0806))))
        #expect(bridge[1].elements.first == .match(Match(.etherSaddr, .eq, .mac("52:54:00:00:00:01"))))
        #expect(tables[2].chain("ingress")?.base?.hook == .ingress)
        #expect(tables[2].chain("ingress")?.base?.priority == -500)
        #expect(tables[3].chain("input")?.rules[0].elements.first == .match(Match(MatchField("arp.operation"), .eq, .integer(1))))
    }

    @Test func replayedNetlinkDumpsDecodeToTheSameModel() throws {
        for name in ["libvirt-nftables", "inet-firewall", "edge-cases"] {
            let json = try NftFixtures.json(name)
            let netlink = try NftFixtures.netlink(name)
            #expect(NftFixtures.withoutDevices(netlink) == NftFixtures.withoutDevices(json), "\(name)")
        }
        // The dump keeps what JSON 1.0.6 omits: the netdev chain's device.
        let netlink = try NftFixtures.netlink("inet-firewall")
        #expect(netlink.first { $0.name == "ingress_guard" }?.chain("ingress")?.base?.devices == ["uplink0"])
    }

    /// JSON only names iptables-nft's compat extensions; the dump carries their blobs, decoded with
    /// the shared x_tables decoder into the elements the same iptables rule gets from iptables-save.
    @Test func iptablesNftCompatExpressionsDecodeFromTheDump() throws {
        let tables = try NftFixtures.netlink("iptables-nft")
        #expect(!tables.flatMap(\.chains).flatMap(\.rules).contains { $0.hasUnknown && !$0.text.hasPrefix("limit") })
        let forward = NftFixtures.rules(tables, .ip, "filter", "FORWARD")
        #expect(forward[0].elements == [.match(Match(.physdevIsBridged, .eq, .bool(true))), .action(.counter), .action(.accept)])
        #expect(forward[4].comment == "docker outbound")
        #expect(forward[5].elements.last == .action(.reject(with: "icmp-port-unreachable")))
        let input = NftFixtures.rules(tables, .ip, "filter", "INPUT")
        #expect(input[2].elements.first == .match(Match(.ctState, .eq, .flags(["established", "related"]))))
        #expect(input[3].elements.prefix(2) == [.match(Match(.l4proto, .eq, .integer(6))),
                                               .match(Match(.tcpDport, .eq, .set([.integer(22), .integer(80), .integer(443)])))])
        let nat = NftFixtures.rules(tables, .ip, "nat", "LIBVIRT_PRT")
        #expect(nat[2].elements.last == .action(.masquerade(ports: PortRange(low: 1024, high: 65535), flags: [])))
        let to = IPAddress("192.168.122.50")!
        #expect(NftFixtures.rules(tables, .ip, "nat", "PREROUTING")[0].elements.last ==
                .action(.dnat(addresses: AddressRange(low: to, high: to), ports: PortRange(low: 80, high: 80), flags: [])))
        // Everything but the compat rules is what the JSON decoder makes of the same rule set.
        let json = try NftFixtures.json("iptables-nft")
        for (t, table) in json.enumerated() {
            for (c, chain) in table.chains.enumerated() {
                for (r, rule) in chain.rules.enumerated() where !rule.hasUnknown {
                    #expect(tables[t].chains[c].rules[r] == rule)
                }
            }
        }
    }

    /// nft merges adjacent loads and hides dependency matches; the dump decoder undoes both the same way.
    @Test func mergedLoadsAndHiddenDependenciesFromTheDump() throws {
        let rules = try NftFixtures.netlink("edge-cases")[0].chain("c")!.rules
        #expect(rules[0].elements == [.match(Match(.tcpSport, .eq, .integer(1))), .match(Match(.tcpDport, .eq, .integer(2))),
                                      .action(.accept)])
        #expect(rules[11].elements.prefix(2) == [.match(Match(.ipSaddr, .eq, prefix("1.2.3.4"))),
                                                 .match(Match(.ipDaddr, .eq, prefix("5.6.7.8")))])
        #expect(rules[14].elements.first == .match(Match(.tcpDport, .eq, .integer(22))))
        #expect(rules[31].elements.first == .match(Match(.etherSaddr, .eq, .mac("00:11:22:33:44:55"))))
        #expect(rules[29].elements == [.action(.reject(with: "icmpv6 admin-prohibited"))])
        #expect(rules[25].elements.first == .match(Match(MatchField("ip.protocol"), .eq, .integer(1))))
        #expect(rules[2].elements.first == .match(Match(.ctState, .ne, .flags(["established"]))))
        #expect(rules[7].elements == [.action(.setMark(value: 2, mask: 0xff))])
    }

    @Test func ruleTextIsRenderedFromElements() {
        let text = NftRuleText.render([
            .match(Match(.iifname, .eq, .wildcard(prefix: "virbr"))),
            .match(Match(.tcpDport, .ne, .set([.integer(22), .range(low: 80, high: 90)]))),
            .action(.counter), .action(.log(prefix: "x \"y\"")), .action(.drop),
        ], comment: "c")
        #expect(text == #"meta iifname "virbr*" tcp dport != { 22, 80-90 } counter log prefix "x \"y\"" drop comment "c""#)
    }
}
