import Testing
import VNetModel
@testable import VNetParsers

/// iptables-save fixtures (saved from iptables-legacy-save -c) into exact model values.
@Suite struct IptablesSaveParserTests {
    private func prefix(_ text: String) -> MatchValue { .prefix(IPPrefix(text)!) }
    private func address(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test(arguments: IptablesFixtures.all.map(\.name))
    func everyFixtureParsesIntoXtablesTables(_ name: String) throws {
        let family = IptablesFixtures.all.first { $0.name == name }!.family
        let tables = try IptablesFixtures.parse(name, family: family)
        #expect(!tables.isEmpty)
        for table in tables {
            #expect(table.system == .xtables)
            #expect(table.family == (family == .ipv4 ? .ip : .ip6))
            for chain in table.chains {
                #expect(chain.rules.map(\.position) == Array(0..<chain.rules.count).map { $0 + 1 })
            }
        }
    }

    @Test func libvirtNatRoutedAndIsolatedNetworks() throws {
        let tables = try IptablesFixtures.parse("libvirt.v4.save", family: .ipv4)
        #expect(tables.map(\.name) == ["filter", "nat", "mangle"])
        let filter = try #require(tables.first)
        #expect(filter.chains.map(\.name) == ["INPUT", "FORWARD", "OUTPUT", "LIBVIRT_FWI", "LIBVIRT_FWO", "LIBVIRT_FWX",
                                              "LIBVIRT_INP", "LIBVIRT_OUT"])
        #expect(filter.chain("FORWARD")?.base == BaseChain(type: .filter, hook: .forward, priority: 0, policy: .accept,
                                                          policyCounters: Counters(packets: 0, bytes: 0)))
        #expect(filter.chain("LIBVIRT_FWI")?.base == nil)
        #expect(filter.chain("FORWARD")?.rules.map(\.elements) == [
            [.action(.jump("LIBVIRT_FWX"))], [.action(.jump("LIBVIRT_FWI"))], [.action(.jump("LIBVIRT_FWO"))],
        ])

        // nat network: only related/established into the bridge, then reject.
        let fwi = try #require(filter.chain("LIBVIRT_FWI"))
        #expect(fwi.rules[3] == FirewallRule(
            position: 4,
            elements: [
                .match(Match(.ipDaddr, .eq, prefix("192.168.122.0/24"))),
                .match(Match(.oifname, .eq, .string("virbr0"))),
                .match(Match(.ctState, .eq, .flags(["established", "related"]))),
                .action(.accept),
            ],
            counters: Counters(packets: 0, bytes: 0),
            text: "-A LIBVIRT_FWI -d 192.168.122.0/24 -o virbr0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"))
        #expect(fwi.rules[4].elements == [.match(Match(.oifname, .eq, .string("virbr0"))),
                                         .action(.reject(with: "icmp-port-unreachable"))])
        // isolated network: reject both ways, nothing accepted.
        #expect(fwi.rules[0].elements == [.match(Match(.oifname, .eq, .string("virbr2"))),
                                         .action(.reject(with: "icmp-port-unreachable"))])
        // routed network restricted to its forward dev.
        #expect(tables.rule("filter", "-A LIBVIRT_FWO -s 192.168.100.0/24 -i virbr1 -o eth0 -j ACCEPT")?.elements == [
            .match(Match(.ipSaddr, .eq, prefix("192.168.100.0/24"))),
            .match(Match(.iifname, .eq, .string("virbr1"))),
            .match(Match(.oifname, .eq, .string("eth0"))),
            .action(.accept),
        ])
        #expect(tables.rule("filter", "-A LIBVIRT_INP -i virbr0 -p udp -m udp --dport 67 -j ACCEPT")?.elements == [
            .match(Match(.iifname, .eq, .string("virbr0"))),
            .match(Match(.l4proto, .eq, .integer(17))),
            .match(Match(.udpDport, .eq, .integer(67))),
            .action(.accept),
        ])

        let nat = try #require(tables.first { $0.name == "nat" })
        #expect(nat.chain("POSTROUTING")?.base == BaseChain(type: .nat, hook: .postrouting, priority: 100, policy: .accept,
                                                           policyCounters: Counters(packets: 0, bytes: 0)))
        #expect(nat.chain("LIBVIRT_PRT")?.rules.map(\.elements) == [
            [.match(Match(.ipSaddr, .eq, prefix("192.168.122.0/24"))), .match(Match(.ipDaddr, .eq, prefix("224.0.0.0/24"))),
             .action(.return)],
            [.match(Match(.ipSaddr, .eq, prefix("192.168.122.0/24"))), .match(Match(.ipDaddr, .eq, prefix("255.255.255.255/32"))),
             .action(.return)],
            [.match(Match(.ipSaddr, .eq, prefix("192.168.122.0/24"))), .match(Match(.ipDaddr, .ne, prefix("192.168.122.0/24"))),
             .match(Match(.l4proto, .eq, .integer(6))), .action(.masquerade(ports: PortRange(low: 1024, high: 65535), flags: []))],
            [.match(Match(.ipSaddr, .eq, prefix("192.168.122.0/24"))), .match(Match(.ipDaddr, .ne, prefix("192.168.122.0/24"))),
             .match(Match(.l4proto, .eq, .integer(17))), .action(.masquerade(ports: PortRange(low: 1024, high: 65535), flags: []))],
            [.match(Match(.ipSaddr, .eq, prefix("192.168.122.0/24"))), .match(Match(.ipDaddr, .ne, prefix("192.168.122.0/24"))),
             .action(.masquerade(ports: nil, flags: []))],
        ])

        let mangle = try #require(tables.first { $0.name == "mangle" })
        #expect(mangle.chain("OUTPUT")?.base?.type == .route)
        #expect(mangle.chain("POSTROUTING")?.base?.priority == -150)
        #expect(mangle.chain("LIBVIRT_PRT")?.rules.last?.elements == [
            .match(Match(.oifname, .eq, .string("virbr0"))), .match(Match(.l4proto, .eq, .integer(17))),
            .match(Match(.udpDport, .eq, .integer(68))), .action(.statement(name: "CHECKSUM", detail: "--checksum-fill")),
        ])
    }

    @Test func libvirtIPv6() throws {
        let tables = try IptablesFixtures.parse("libvirt.v6.save", family: .ipv6)
        #expect(tables.map(\.family) == [.ip6])
        #expect(tables.rule("filter", "-A LIBVIRT_FWO -s fd00:122::/64 -i virbr0 -j ACCEPT")?.elements == [
            .match(Match(.ip6Saddr, .eq, prefix("fd00:122::/64"))), .match(Match(.iifname, .eq, .string("virbr0"))), .action(.accept),
        ])
        #expect(tables.rule("filter", "-A LIBVIRT_FWI -o virbr0 -j REJECT --reject-with icmp6-port-unreachable")?.elements.last
                == .action(.reject(with: "icmp6-port-unreachable")))
        #expect(tables.rule("filter", "-A LIBVIRT_INP -i virbr0 -p udp -m udp --dport 547 -j ACCEPT") != nil)
    }

    @Test func dockerForwardDropAndDNAT() throws {
        let tables = try IptablesFixtures.parse("docker.v4.save", family: .ipv4)
        let filter = try #require(tables.first { $0.name == "filter" })
        #expect(filter.chain("FORWARD")?.base?.policy == .drop)
        #expect(filter.chain("FORWARD")?.base?.policyCounters == Counters(packets: 31, bytes: 1860))
        #expect(filter.chains.map(\.name) == ["INPUT", "FORWARD", "OUTPUT", "DOCKER", "DOCKER-ISOLATION-STAGE-1",
                                              "DOCKER-ISOLATION-STAGE-2", "DOCKER-USER"])
        #expect(tables.rule("filter", "-A FORWARD -i docker0 ! -o docker0 -j ACCEPT")?.elements == [
            .match(Match(.iifname, .eq, .string("docker0"))), .match(Match(.oifname, .ne, .string("docker0"))), .action(.accept),
        ])
        #expect(tables.rule("nat", "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80")?.elements == [
            .match(Match(.iifname, .ne, .string("docker0"))), .match(Match(.l4proto, .eq, .integer(6))),
            .match(Match(.tcpDport, .eq, .integer(8080))),
            .action(.dnat(addresses: AddressRange(low: address("172.17.0.2"), high: address("172.17.0.2")),
                          ports: PortRange(low: 80, high: 80), flags: [])),
        ])
        #expect(tables.rule("nat", "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER")?.elements == [
            .match(Match(.ipDaddr, .ne, prefix("127.0.0.0/8"))), .match(Match(.dstAddrType, .eq, .symbol("local"))),
            .action(.jump("DOCKER")),
        ])
        let nat = try #require(tables.first { $0.name == "nat" })
        #expect(nat.chain("PREROUTING")?.base == BaseChain(type: .nat, hook: .prerouting, priority: -100, policy: .accept,
                                                          policyCounters: Counters(packets: 120, bytes: 7200)))
    }

    @Test func kubeProxyJumpChains() throws {
        let tables = try IptablesFixtures.parse("kube-proxy.v4.save", family: .ipv4)
        let portals = try #require(tables.rule("nat", "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"))
        #expect(portals.comment == "kubernetes service portals")
        #expect(portals.elements == [.action(.jump("KUBE-SERVICES"))])
        #expect(tables.rule("nat", "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000")?.elements == [.action(.setMark(value: 0x4000, mask: 0x4000))])
        #expect(tables.rule("nat", "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN")?.elements == [
            .match(Match(.mark, .ne, .maskedInteger(value: 0x4000, mask: 0x4000))), .action(.return),
        ])
        #expect(tables.rule("nat", "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully")?
            .elements == [.action(.masquerade(ports: nil, flags: ["random-fully"]))])
        let random = try #require(tables.first { $0.name == "nat" }?.chain("KUBE-SVC-TCOU7JCQXEZGVUNU")?.rules.first)
        #expect(random.elements == [
            .unknown(UnknownElement(kind: "match", name: "statistic", text: "-m statistic --mode random --probability 0.50000000000",
                                    mayAffectVerdict: true)),
            .action(.jump("KUBE-SEP-6E7XQMQ4RAYOWTTM")),
        ])
        #expect(random.comment == "kube-system/kube-dns:dns -> 10.244.0.3:53")
        #expect(tables.rule("filter", "-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP")?
            .elements == [
                .match(Match(.ipSaddr, .ne, prefix("127.0.0.0/8"))), .match(Match(.ipDaddr, .eq, prefix("127.0.0.0/8"))),
                .match(Match(.ctState, .ne, .flags(["dnat", "established", "related"]))), .action(.drop),
            ])
    }

    @Test func everyDecodedExtensionMapsToTheModel() throws {
        let tables = try IptablesFixtures.parse("extensions.v4.save", family: .ipv4)
        func elements(_ table: String, _ text: String) -> [RuleElement]? { tables.rule(table, text)?.elements }
        let tcp = RuleElement.match(Match(.l4proto, .eq, .integer(6)))
        let icmp = RuleElement.match(Match(.l4proto, .eq, .integer(1)))

        #expect(tables.first { $0.name == "filter" }?.chain("INPUT")?.base?.policyCounters == Counters(packets: 12, bytes: 3456))
        #expect(tables.first { $0.name == "filter" }?.chain("INPUT")?.rules.first?.counters == Counters(packets: 5, bytes: 300))
        #expect(elements("filter", "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT")
                == [.match(Match(.ctState, .eq, .flags(["established", "related"]))), .action(.accept)])
        #expect(elements("filter", "-A INPUT -p icmp -m icmp --icmp-type 3/3 -j ACCEPT")
                == [icmp, .match(Match(.icmpType, .eq, .integer(3))), .match(Match(.icmpCode, .eq, .integer(3))), .action(.accept)])
        #expect(elements("filter", "-A INPUT -p icmp -m icmp --icmp-type any -j ACCEPT") == [icmp, .action(.accept)])
        #expect(elements("filter", "-A INPUT -p tcp -m multiport --dports 80,443,8000:8080 -j ACCEPT") == [
            tcp, .match(Match(.tcpDport, .eq, .set([.integer(80), .integer(443), .range(low: 8000, high: 8080)]))), .action(.accept),
        ])
        #expect(elements("filter", "-A INPUT -p udp -m multiport ! --sports 53,123 -j ACCEPT")?[1]
                == .match(Match(.udpSport, .ne, .set([.integer(53), .integer(123)]))))
        #expect(elements("filter", "-A INPUT -p tcp -m tcp ! --sport 1:1023 ! --dport 23 -j DROP") == [
            tcp, .match(Match(.tcpSport, .ne, .range(low: 1, high: 1023))), .match(Match(.tcpDport, .ne, .integer(23))), .action(.drop),
        ])
        #expect(elements("filter", "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE -j DROP")?[1]
                == .match(Match(.tcpFlags, .eq, .flagsMasked(mask: ["fin", "syn", "rst", "psh", "ack", "urg"], set: []))))
        #expect(elements("filter", "-A INPUT -m conntrack --ctstate NEW,UNTRACKED --ctstatus SEEN_REPLY,ASSURED --ctdir REPLY -j ACCEPT") == [
            .match(Match(.ctState, .eq, .flags(["new", "untracked"]))), .match(Match(.ctStatus, .eq, .flags(["assured", "seen-reply"]))),
            .match(Match(.ctDirection, .eq, .symbol("reply"))), .action(.accept),
        ])
        #expect(elements("filter", "-A INPUT -m conntrack ! --ctstate INVALID --ctorigsrc 10.0.0.0/8 ! --ctorigdst 10.1.2.3 --ctreplsrc 10.0.0.0/16 --ctrepldst 1.2.3.4 --ctdir ORIGINAL -j ACCEPT") == [
            .match(Match(.ctState, .ne, .flags(["invalid"]))), .match(Match(.ctOriginalSaddr, .eq, prefix("10.0.0.0/8"))),
            .match(Match(.ctOriginalDaddr, .ne, prefix("10.1.2.3/32"))), .match(Match(.ctReplySaddr, .eq, prefix("10.0.0.0/16"))),
            .match(Match(.ctReplyDaddr, .eq, prefix("1.2.3.4/32"))), .match(Match(.ctDirection, .eq, .symbol("original"))),
            .action(.accept),
        ])
        let quoted = try #require(tables.rule("filter", #"-A INPUT -m comment --comment "libvirt: guest \"a\" b" -j ACCEPT"#))
        #expect(quoted.comment == #"libvirt: guest "a" b"#)
        #expect(quoted.elements == [.action(.accept)])
        #expect(tables.rule("filter", #"-A INPUT -m comment --comment "it\'s" -m comment --comment second -j ACCEPT"#)?.comment == "it's; second")
        #expect(elements("filter", "-A INPUT -m addrtype ! --src-type BROADCAST,MULTICAST --limit-iface-in -j DROP") == [
            .match(Match(.srcAddrType, .ne, .set([.symbol("broadcast"), .symbol("multicast")]))),
            .unknown(UnknownElement(kind: "match", name: "addrtype", text: "--limit-iface-in", mayAffectVerdict: true)),
            .action(.drop),
        ])
        #expect(elements("filter", "-A INPUT -m mac ! --mac-source 52:54:00:ab:cd:00 -j DROP")
                == [.match(Match(.etherSaddr, .ne, .mac("52:54:00:ab:cd:00"))), .action(.drop)])
        #expect(elements("filter", "-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 10.0.1.1-10.0.1.9 -j ACCEPT") == [
            .match(Match(.ipSaddr, .eq, .addressRange(low: address("10.0.0.1"), high: address("10.0.0.9")))),
            .match(Match(.ipDaddr, .ne, .addressRange(low: address("10.0.1.1"), high: address("10.0.1.9")))),
            .action(.accept),
        ])
        #expect(elements("filter", #"-A INPUT -m limit --limit 3/min --limit-burst 7 -j LOG --log-prefix "in: " --log-level 6"#) == [
            .unknown(UnknownElement(kind: "match", name: "limit", text: "-m limit --limit 3/min --limit-burst 7", mayAffectVerdict: true)),
            .action(.log(prefix: "in: ")),
        ])
        #expect(elements("filter", "-A INPUT -m pkttype ! --pkt-type unicast -j DROP") == [.match(Match(.pkttype, .ne, .symbol("host"))), .action(.drop)])
        #expect(elements("filter", "-A INPUT -i virbr+ -j ACCEPT") == [.match(Match(.iifname, .eq, .wildcard(prefix: "virbr"))), .action(.accept)])
        #expect(elements("filter", "-A INPUT -p gre -j ACCEPT") == [.match(Match(.l4proto, .eq, .integer(47))), .action(.accept)])
        #expect(elements("filter", "-A INPUT ! -f -j DROP") == [.match(Match(IptablesElementMapper.fragmentField, .ne, .bool(true))), .action(.drop)])
        #expect(elements("filter", "-A INPUT -s 1.2.3.4/32") == [.match(Match(.ipSaddr, .eq, prefix("1.2.3.4/32")))])
        #expect(elements("filter", "-A INPUT -s 10.0.0.0/255.0.255.0 -j ACCEPT")?.first
                == .unknown(UnknownElement(kind: "match", name: "source", text: "-s 10.0.0.0/255.0.255.0", mayAffectVerdict: true)))
        #expect(elements("filter", "-A FORWARD -m physdev --physdev-in vnet0 --physdev-out vnet+ --physdev-is-bridged -j ACCEPT") == [
            .match(Match(.physdevIn, .eq, .string("vnet0"))), .match(Match(.physdevOut, .eq, .wildcard(prefix: "vnet"))),
            .match(Match(.physdevIsBridged, .eq, .bool(true))), .action(.accept),
        ])
        #expect(elements("filter", "-A FORWARD -g ZZ") == [.action(.goto("ZZ"))])
        #expect(elements("filter", "-A FORWARD -p tcp -j REJECT --reject-with tcp-reset") == [tcp, .action(.reject(with: "tcp-reset"))])
        #expect(elements("filter", "-A FORWARD -j REJECT --reject-with icmp-admin-prohibited") == [.action(.reject(with: "icmp-admin-prohibited"))])

        #expect(elements("nat", "-A PREROUTING -d 10.0.0.2/32 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 192.168.122.10-192.168.122.12:80-90 --random --persistent")?.last
                == .action(.dnat(addresses: AddressRange(low: address("192.168.122.10"), high: address("192.168.122.12")),
                                 ports: PortRange(low: 80, high: 90), flags: ["random", "persistent"])))
        #expect(elements("nat", "-A PREROUTING -p tcp -j DNAT --to-destination :8080")?.last
                == .action(.dnat(addresses: nil, ports: PortRange(low: 8080, high: 8080), flags: [])))
        #expect(elements("nat", "-A POSTROUTING -s 10.2.0.0/16 -p udp -j SNAT --to-source 203.0.113.5-203.0.113.9:1024-2048 --random-fully")?.last
                == .action(.snat(addresses: AddressRange(low: address("203.0.113.5"), high: address("203.0.113.9")),
                                 ports: PortRange(low: 1024, high: 2048), flags: ["random-fully"])))
        #expect(elements("nat", "-A PREROUTING -p tcp -j REDIRECT --to-ports 1000-2000 --random")?.last
                == .action(.redirect(ports: PortRange(low: 1000, high: 2000), flags: ["random"])))

        #expect(elements("mangle", "-A PREROUTING -j MARK --set-xmark 0x0/0xfffffffe") == [.action(.setMark(value: 0, mask: 0xffff_fffe))])
        #expect(elements("mangle", "-A PREROUTING -j CONNMARK --set-xmark 0x2/0xf") == [.action(.setCtMark(value: 2, mask: 0xf))])
        #expect(elements("mangle", "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff")
                == [.action(.statement(name: "CONNMARK", detail: "--restore-mark --nfmask 0xff --ctmask 0xff"))])
        #expect(elements("mangle", "-A PREROUTING -m connmark ! --mark 0x2 -j ACCEPT") == [.match(Match(.ctMark, .ne, .integer(2))), .action(.accept)])
        #expect(elements("mangle", "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu") == [
            tcp, .match(Match(.tcpFlags, .eq, .flagsMasked(mask: ["syn", "rst"], set: ["syn"]))),
            .action(.statement(name: "TCPMSS", detail: "--clamp-mss-to-pmtu")),
        ])
        #expect(elements("raw", "-A PREROUTING -i lo -j NOTRACK")?.last == .action(.notrack))
        #expect(elements("raw", "-A PREROUTING -p udp -m udp --dport 5060 -j CT --notrack")?.last == .action(.notrack))
        #expect(elements("raw", "-A OUTPUT -p tcp -m tcp --dport 21 -j CT --helper ftp")?.last == .action(.statement(name: "CT", detail: "--helper ftp")))
    }

    @Test func extensionsIPv6() throws {
        let tables = try IptablesFixtures.parse("extensions.v6.save", family: .ipv6)
        #expect(tables.rule("filter", "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT")?.elements == [
            .match(Match(.l4proto, .eq, .integer(58))), .match(Match(.icmpv6Type, .eq, .integer(135))), .action(.accept),
        ])
        #expect(tables.rule("filter", "-A INPUT -s ::ffff:10.0.0.1/128 -d 2001:db8::/32 -j ACCEPT")?.elements.first
                == .match(Match(.ip6Saddr, .eq, prefix("::ffff:10.0.0.1/128"))))
        #expect(tables.rule("filter", "-A INPUT -j ACCEPT")?.elements == [.action(.accept)])
        #expect(tables.rule("filter", "-A FORWARD -j REJECT --reject-with icmp6-adm-prohibited")?.elements == [.action(.reject(with: "icmp6-adm-prohibited"))])
        #expect(tables.rule("nat", "-A PREROUTING -d 2001:db8::1/128 -p tcp -m tcp --dport 80 -j DNAT --to-destination [fd00::10]:8080")?.elements.last
                == .action(.dnat(addresses: AddressRange(low: address("fd00::10"), high: address("fd00::10")),
                                 ports: PortRange(low: 8080, high: 8080), flags: [])))
        #expect(tables.rule("nat", "-A PREROUTING -d 2001:db8::2/128 -j DNAT --to-destination fd00::10-fd00::20")?.elements.last
                == .action(.dnat(addresses: AddressRange(low: address("fd00::10"), high: address("fd00::20")), ports: nil, flags: [])))
    }

    /// Hand-written restore input: quoting, old-style negation, -c counters, CRLF, long options,
    /// options without their -m, family-limited rules.
    @Test func handWrittenRestoreSyntax() throws {
        let text = [
            "# a comment", "", "*filter", ":INPUT DROP [1:2]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":my-chain - [0:0]",
            "-c 3 4 -A INPUT -p tcp --dport 22 -j ACCEPT",
            "-A INPUT -s ! 10.0.0.0/8 --jump my-chain",
            "--append INPUT --protocol udp -m udp --dport 53:54 -m comment --comment 'x' -j ACCEPT",
            "-A INPUT -6 -j DROP",
            "-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-name x -j NFLOG --nflog-group 5",
            "COMMIT",
        ].joined(separator: "\r\n") + "\r\n"
        let tables = try IptablesSaveParser.parse(text, family: .ipv4, system: .nftables, file: "rules.v4")
        let input = try #require(tables.first?.chain("INPUT"))
        #expect(tables.first?.system == .nftables)
        #expect(input.base?.policy == .drop && input.base?.policyCounters == Counters(packets: 1, bytes: 2))
        #expect(input.rules.count == 4)
        #expect(input.rules[0].counters == Counters(packets: 3, bytes: 4))
        #expect(input.rules[0].text == "-A INPUT -p tcp --dport 22 -j ACCEPT")
        #expect(input.rules[0].elements == [.match(Match(.l4proto, .eq, .integer(6))), .match(Match(.tcpDport, .eq, .integer(22))), .action(.accept)])
        #expect(input.rules[1].elements == [.match(Match(.ipSaddr, .ne, prefix("10.0.0.0/8"))), .action(.jump("my-chain"))])
        #expect(input.rules[2].elements[1] == .match(Match(.udpDport, .eq, .range(low: 53, high: 54))))
        #expect(input.rules[2].comment == "'x'")
        #expect(input.rules[3].elements == [
            .unknown(UnknownElement(kind: "match", name: "hashlimit", text: "-m hashlimit --hashlimit-upto 5/sec --hashlimit-name x", mayAffectVerdict: true)),
            .unknown(UnknownElement(kind: "target", name: "NFLOG", text: "-j NFLOG --nflog-group 5", mayAffectVerdict: false)),
        ])
    }

    @Test func nftFlavourWarningsAreComments() throws {
        let text = """
        # Warning: iptables-legacy tables present, use iptables-legacy-save to see them
        *filter
        :INPUT ACCEPT [0:0]
        -A INPUT -j ACCEPT
        COMMIT
        """
        #expect(try IptablesSaveParser.parse(text, family: .ipv4, system: .nftables, file: "nft.save").first?.chain("INPUT")?.rules.count == 1)
    }

    @Test func sharedRuleFunctionWithoutChainList() {
        let rule = IptablesSaveParser.rule(tokens: ["-A", "FORWARD", "-i", "virbr0", "-o", "eth-up", "-j", "ACCEPT"], family: .ipv4,
                                           position: 2, counters: Counters(packets: 1, bytes: 60))
        #expect(rule == FirewallRule(position: 2, elements: [.match(Match(.iifname, .eq, .string("virbr0"))),
                                                             .match(Match(.oifname, .eq, .string("eth-up"))), .action(.accept)],
                                     counters: Counters(packets: 1, bytes: 60), text: "-A FORWARD -i virbr0 -o eth-up -j ACCEPT"))
        #expect(IptablesSaveParser.rule(tokens: ["-A", "X", "-j", "LIBVIRT_FWO"], family: .ipv4, position: 1, counters: nil).elements
                == [.action(.jump("LIBVIRT_FWO"))])
        #expect(IptablesSaveParser.rule(tokens: ["-A", "X", "-j", "LIBVIRT_FWO"], family: .ipv4, position: 1, counters: nil, chains: []).elements
                == [.unknown(UnknownElement(kind: "target", name: "LIBVIRT_FWO", text: "-j LIBVIRT_FWO", mayAffectVerdict: true))])
        // A bad value never fails the shared function: it becomes unknown.
        #expect(IptablesSaveParser.rule(tokens: ["-A", "X", "-s", "1.2.3.999", "-j", "DROP"], family: .ipv4, position: 1, counters: nil).elements
                == [.unknown(UnknownElement(kind: "match", name: "-s", text: "-s 1.2.3.999", mayAffectVerdict: true)), .action(.drop)])
        // A rule without -j is a counter rule.
        #expect(IptablesSaveParser.rule(tokens: ["-A", "X", "-p", "tcp"], family: .ipv4, position: 1, counters: nil).elements
                == [.match(Match(.l4proto, .eq, .integer(6)))])
    }

    @Test func undecodedBinaryTokensBecomeUnknownWithTheirBytes() {
        let tokens = ["-A", "X"] + XtablesExtensionDecoder.undecodedMatchTokens(name: "tcp", revision: 7, data: [0xde, 0xad])
            + XtablesExtensionDecoder.undecodedTargetTokens(name: "FOO", revision: 1, data: [0x01])
        let rule = IptablesSaveParser.rule(tokens: tokens, family: .ipv4, position: 1, counters: nil, chains: ["X"])
        #expect(rule.elements == [
            .unknown(UnknownElement(kind: "match", name: "tcp", text: "-m tcp --vnetaudit-undecoded 7:dead", mayAffectVerdict: true)),
            .unknown(UnknownElement(kind: "target", name: "FOO", text: "-j FOO --vnetaudit-undecoded 1:01", mayAffectVerdict: true)),
        ])
    }
}
