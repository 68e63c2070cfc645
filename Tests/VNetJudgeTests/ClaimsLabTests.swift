import Testing
import VNetEvaluate
import VNetJudge
import VNetModel

/// The claim judge on host states saved from the lab (lab/README.md), healthy and broken, with both
/// libvirt firewall backends. Before each state was saved, real traffic between the lab's namespaces
/// (`lab/probe.py` from a guest or the LAN router) showed what the kernel does; each test's comment
/// says what. The expected sets below are those observations, claim by claim.
@Suite struct ClaimsLabTests {
    static let backends = ["nftables", "iptables"]

    /// `network/claim-id/family` of every finding of the fixture with `status`.
    private func claims(_ fixture: String, _ status: CheckStatus) throws -> Set<String> {
        let host = try ClaimsFixtures.host(fixture)
        return Set(host.libvirt.networks.flatMap { network in
            ClaimJudge.judge(network, on: host).filter { $0.status == status }
                .map { "\(network.name)/\($0.id)/\($0.family?.rawValue ?? "-")" }
        })
    }

    /// Warnings every healthy lab has: IPv6 of `default` (nat without `<nat ipv6='yes'/>`) is routed, and
    /// the routed network needs the LAN router's route.
    private static let standingWarnings: Set<String> = [
        "default/claim.nat.ipv6-routed/ipv6", "routed/claim.route.lan-route/ipv4", "routed/claim.route.lan-route/ipv6",
    ]

    /// Healthy lab (the 28 selftest checks pass: masquerade, refused inbound, routed both ways, isolation,
    /// open, bridged, DHCP and DNS; and the LAN opens a connection to nat1's fd00:122::11, which libvirt
    /// routes): no claim fails or stays undecided, the only warnings are the standing ones.
    @Test(arguments: backends) func healthyLabHasNoFailingClaim(_ backend: String) throws {
        let fixture = "\(backend)-healthy"
        #expect(try claims(fixture, .fail).isEmpty)
        #expect(try claims(fixture, .inconclusive).isEmpty)
        #expect(try claims(fixture, .warn) == Self.standingWarnings)
        let host = try ClaimsFixtures.host(fixture)
        for network in host.libvirt.networks {
            let findings = ClaimJudge.judge(network, on: host)
            #expect(!findings.isEmpty, "network \(network.name)")
            for finding in findings where finding.id != "claim.bridge.ports-up" {
                #expect(finding.evidence.contains { $0.kind == .path && $0.path != nil }, "\(network.name) \(finding.id)")
            }
        }
    }

    /// The routed IPv6 of `default` is a warning that says the LAN reaches the guests (it did: the LAN
    /// opened tcp to fd00:122::11:8080), with the rule that accepts it.
    @Test(arguments: backends) func natIPv6WithoutNATIsReportedAsRoutedAndExposed(_ backend: String) throws {
        let findings = try ClaimsFixtures.findings("\(backend)-healthy", network: "default")
        let routed = try #require(ClaimsFixtures.claim(findings, "claim.nat.ipv6-routed", .ipv6))
        #expect(routed.status == .warn)
        #expect(routed.message.contains("new connections from outside reach them"))
        #expect(routed.remediation?.commands.contains("virsh net-edit default") == true)
        #expect(ClaimsFixtures.claim(findings, "claim.nat.inbound-refused", .ipv6) == nil)
        #expect(ClaimsFixtures.claim(findings, "claim.nat.inbound-refused", .ipv4)?.status == .pass)
        let outbound = try #require(ClaimsFixtures.claim(findings, "claim.nat.outbound-translated", .ipv4))
        #expect(outbound.message.contains("leaves eth-up, as 203.0.113.2 (masquerade to the address of eth-up"), "\(outbound.message)")
    }

    /// The routed network's warning names the exact route for the LAN router.
    @Test(arguments: backends) func routedNetworkStatesTheLANRoute(_ backend: String) throws {
        let findings = try ClaimsFixtures.findings("\(backend)-healthy", network: "routed")
        let v4 = try #require(ClaimsFixtures.claim(findings, "claim.route.lan-route", .ipv4))
        #expect(v4.status == .warn)
        #expect(v4.remediation?.commands.first?.hasPrefix("ip route add 192.168.130.0/24 via 203.0.113.2") == true)
        let v6 = try #require(ClaimsFixtures.claim(findings, "claim.route.lan-route", .ipv6))
        #expect(v6.remediation?.commands.first?.hasPrefix("ip -6 route add 2001:db8:130::/64 via 2001:db8:100::2") == true)
    }

    /// masquerade-removed: nat1 -> LAN tcp arrived from 192.168.122.11 (the guest's own address).
    @Test(arguments: backends) func masqueradeRemovedFailsOutboundTranslation(_ backend: String) throws {
        let fixture = "\(backend)-masquerade-removed"
        #expect(try claims(fixture, .fail) == ["default/claim.nat.outbound-translated/ipv4"])
        let finding = try #require(ClaimsFixtures.claim(try ClaimsFixtures.findings(fixture, network: "default"),
                                                        "claim.nat.outbound-translated", .ipv4))
        #expect(finding.message.contains("untranslated, with the guest's own address 192.168.122.100"))
        #expect(finding.remediation?.commands == ["virsh net-destroy default && virsh net-start default"])
        #expect(finding.evidence.allSatisfy { $0.path?.egressInterface == "eth-up" && $0.path?.sourceTranslation == nil })
    }

    /// exposed-accept: the LAN opened tcp to 192.168.122.11:8080 (nftables lab: an accept inserted into
    /// libvirt's own guest_input; iptables lab: an iptables ACCEPT at the top of FORWARD).
    @Test(arguments: backends) func exposedAcceptFailsInboundRefused(_ backend: String) throws {
        let fixture = "\(backend)-exposed-accept"
        #expect(try claims(fixture, .fail) == ["default/claim.nat.inbound-refused/ipv4"])
        let finding = try #require(ClaimsFixtures.claim(try ClaimsFixtures.findings(fixture, network: "default"),
                                                        "claim.nat.inbound-refused", .ipv4))
        let delete = try #require(finding.remediation?.commands.first)
        #expect(delete.hasPrefix(backend == "nftables" ? "nft delete rule ip libvirt_network guest_input handle "
                                                       : "nft delete rule ip filter FORWARD handle "))
    }

    /// An iptables (nft variant) ACCEPT for virbr0 at the top of FORWARD in the nftables lab: the LAN's
    /// tcp to 192.168.122.11:8080 was still refused, because libvirt's own table rejects it in its own
    /// base chain. The claim holds, and its evidence shows both chains.
    @Test func iptablesAcceptDoesNotOverrideLibvirtsNftablesReject() throws {
        let fixture = "nftables-iptables-accept"
        #expect(try claims(fixture, .fail).isEmpty)
        let finding = try #require(ClaimsFixtures.claim(try ClaimsFixtures.findings(fixture, network: "default"),
                                                        "claim.nat.inbound-refused", .ipv4))
        #expect(finding.status == .pass)
        #expect(finding.evidence.allSatisfy { $0.path?.fate == .rejected && $0.path?.decidedBy?.contains("libvirt_network") == true })
        // Even when the iptables-nft table's chain runs first, its accept ends only its own base chain.
        var host = try ClaimsFixtures.host(fixture)
        let iptablesNft = host.firewall.tables.filter { $0.system == .nftables && $0.name == "filter" }
        #expect(iptablesNft.contains { $0.chain("FORWARD")?.rules.contains { $0.text.contains("virbr0") && $0.text.hasSuffix("accept comment \"vnetaudit-claims\"") } == true })
        host.firewall.tables.removeAll { $0.system == .nftables && $0.name == "filter" }
        host.firewall.tables.insert(contentsOf: iptablesNft, at: 0)
        let network = try #require(host.libvirt.network(named: "default"))
        let reordered = try #require(ClaimsFixtures.claim(ClaimJudge.judge(network, on: host), "claim.nat.inbound-refused", .ipv4))
        #expect(reordered.status == .pass)
        let chains = reordered.evidence.first?.path?.stages.compactMap(\.chains).flatMap { $0 } ?? []
        #expect(chains.contains { $0.system == "nf_tables" && $0.table == "filter" && $0.chain == "FORWARD" && $0.outcome == "accept" })
    }

    /// isolation-broken: the isolated guest reached the LAN and the LAN reached it, over IPv4 and IPv6.
    @Test(arguments: backends) func isolationBrokenFailsBothDirectionsInBothFamilies(_ backend: String) throws {
        #expect(try claims("\(backend)-isolation-broken", .fail) == [
            "isolated/claim.isolated.no-outbound/ipv4", "isolated/claim.isolated.no-outbound/ipv6",
            "isolated/claim.isolated.no-inbound/ipv4", "isolated/claim.isolated.no-inbound/ipv6",
        ])
    }

    /// Forwarded IPv4 died in both: nat1 -> LAN timed out, the LAN -> routed guest timed out; nat1's IPv6
    /// still reached the LAN.
    static let ipv4ForwardingDead: Set<String> = [
        "default/claim.nat.outbound-translated/ipv4", "default/claim.nat.replies-return/ipv4",
        "nat6/claim.nat.outbound-translated/ipv4", "nat6/claim.nat.replies-return/ipv4",
        "routed/claim.route.outbound-untranslated/ipv4", "routed/claim.route.inbound-accepted/ipv4",
        "routed/claim.route.replies-return/ipv4",
    ]

    /// forward-drop-legacy: `iptables-legacy -P FORWARD DROP` beside libvirt's rules, which accept the
    /// same packets in nf_tables. The drop wins in both backends (see `ipv4ForwardingDead`).
    @Test(arguments: backends) func legacyForwardDropFailsIPv4Forwarding(_ backend: String) throws {
        let fixture = "\(backend)-forward-drop-legacy"
        #expect(try claims(fixture, .fail) == Self.ipv4ForwardingDead)
        #expect(try claims(fixture, .warn) == Self.standingWarnings.union(["open/claim.open.outbound/ipv4"]))
        let finding = try #require(ClaimsFixtures.claim(try ClaimsFixtures.findings(fixture, network: "default"),
                                                        "claim.nat.outbound-translated", .ipv4))
        let path = try #require(finding.evidence.first?.path)
        let forward = path.stages.filter { $0.hook == "forward" }.compactMap(\.chains).flatMap { $0 }
        #expect(forward.last?.system == "x_tables")
        #expect(forward.last?.outcome == "end of chain: policy drop")
        #expect(finding.remediation?.commands == ["iptables-legacy -t filter -I FORWARD -i virbr0 -s 192.168.122.0/24 -j ACCEPT"])
        // The same host without the legacy table: libvirt's own rules let the guests out again.
        var host = try ClaimsFixtures.host(fixture)
        host.firewall.tables.removeAll { $0.system == .xtables }
        let network = try #require(host.libvirt.network(named: "default"))
        #expect(ClaimsFixtures.claim(ClaimJudge.judge(network, on: host), "claim.nat.outbound-translated", .ipv4)?.status == .pass)
    }

    /// ip-forward-off: the same IPv4 deaths as a legacy drop (nat1 -> LAN timed out, IPv6 still went out).
    @Test(arguments: backends) func forwardingOffFailsIPv4Forwarding(_ backend: String) throws {
        let fixture = "\(backend)-ip-forward-off"
        #expect(try claims(fixture, .fail) == Self.ipv4ForwardingDead)
        let finding = try #require(ClaimsFixtures.claim(try ClaimsFixtures.findings(fixture, network: "default"),
                                                        "claim.nat.outbound-translated", .ipv4))
        #expect(finding.message.contains("net.ipv4.ip_forward = 0"))
        #expect(finding.remediation?.commands.first == "sysctl -w net.ipv4.ip_forward=1")
    }

    /// forward-drop-ip6 (`ip6tables -P FORWARD DROP`, iptables-nft): nftables lab: nat6 -> LAN over IPv6
    /// and open -> LAN over IPv6 timed out (libvirt's accepts in its own table do not win), IPv4 fine;
    /// iptables lab: libvirt's accepts sit in the same chain and win, nat6's IPv6 went out, only the open
    /// network's IPv6 (no libvirt rules) timed out.
    @Test(arguments: backends) func ip6tablesForwardDropDependsOnTheBackend(_ backend: String) throws {
        let fixture = "\(backend)-forward-drop-ip6"
        if backend == "nftables" {
            #expect(try claims(fixture, .fail) == [
                "default/claim.nat.ipv6-routed/ipv6", "default/claim.nat.replies-return/ipv6",
                "nat6/claim.nat.outbound-translated/ipv6", "nat6/claim.nat.replies-return/ipv6",
                "routed/claim.route.outbound-untranslated/ipv6", "routed/claim.route.inbound-accepted/ipv6",
                "routed/claim.route.replies-return/ipv6",
            ])
        } else {
            #expect(try claims(fixture, .fail).isEmpty)
        }
        #expect(try claims(fixture, .warn).contains("open/claim.open.outbound/ipv6"))
    }

    /// stale-other-backend: the other backend's rules beside the live ones changed no traffic (nat1 ->
    /// LAN masqueraded, LAN -> nat1 refused, isolated -> LAN refused): no claim fails.
    @Test(arguments: backends) func staleRulesOfTheOtherBackendAreNoFalseFailure(_ backend: String) throws {
        let fixture = "\(backend)-stale-other-backend"
        #expect(try claims(fixture, .fail).isEmpty)
        #expect(try claims(fixture, .inconclusive).isEmpty)
    }

    /// chains-flushed: nat1 -> LAN arrived from 192.168.122.11, the LAN reached nat1 and the isolated guest.
    @Test(arguments: backends) func flushedChainsFailNATAndIsolation(_ backend: String) throws {
        let failing = try claims("\(backend)-chains-flushed", .fail)
        for expected in ["default/claim.nat.outbound-translated/ipv4", "default/claim.nat.inbound-refused/ipv4",
                         "nat6/claim.nat.outbound-translated/ipv6", "isolated/claim.isolated.no-inbound/ipv4",
                         "isolated/claim.isolated.no-outbound/ipv4", "isolated/claim.isolated.no-outbound/ipv6"] {
            #expect(failing.contains(expected), "\(expected)")
        }
        #expect(!failing.contains { $0.hasPrefix("routed/") || $0.hasPrefix("open/") || $0.hasPrefix("hostbridge/") })
        let finding = try #require(ClaimsFixtures.claim(try ClaimsFixtures.findings("\(backend)-chains-flushed", network: "isolated"),
                                                        "claim.isolated.no-inbound", .ipv4))
        #expect(finding.message.contains("no chain stops it"))
        #expect(finding.remediation?.commands == ["virsh net-destroy isolated && virsh net-start isolated"])
    }

    /// dhcp-dns-blocked: nat1 got no DHCP offer (8 s) and no DNS answer from 192.168.122.1; in the
    /// nftables lab the inet table also blocked DNS to fd00:122::1 (checked), DHCPv6 (547) is not blocked.
    @Test(arguments: backends) func blockedDHCPAndDNSFailHostServices(_ backend: String) throws {
        let fixture = "\(backend)-dhcp-dns-blocked"
        var expected: Set<String> = ["default/claim.nat.dhcp-to-host/ipv4", "default/claim.nat.dns-to-host/ipv4"]
        if backend == "nftables" { expected.insert("default/claim.nat.dns-to-host/ipv6") }
        #expect(try claims(fixture, .fail) == expected)
        let finding = try #require(ClaimsFixtures.claim(try ClaimsFixtures.findings(fixture, network: "default"),
                                                        "claim.nat.dhcp-to-host", .ipv4))
        #expect(finding.remediation?.commands.first == (backend == "nftables"
            ? "nft insert rule inet filter input iifname \"virbr0\" udp dport 67 accept"
            : "iptables -t filter -I INPUT -i virbr0 -p udp --dport 67 -j ACCEPT"))
    }

    /// br-netfilter: the bridged guest could not reach the LAN segment (198.51.100.1) any more, nat1
    /// still reached the LAN: only the bridge network warns.
    @Test(arguments: backends) func brNetfilterWarnsOnTheBridgeNetworkOnly(_ backend: String) throws {
        let fixture = "\(backend)-br-netfilter"
        #expect(try claims(fixture, .fail).isEmpty)
        #expect(try claims(fixture, .warn) == Self.standingWarnings.union([
            "hostbridge/claim.bridge.br-netfilter/ipv4", "hostbridge/claim.bridge.br-netfilter/ipv6",
        ]))
        let finding = try #require(ClaimsFixtures.claim(try ClaimsFixtures.findings(fixture, network: "hostbridge"),
                                                        "claim.bridge.br-netfilter", .ipv4))
        #expect(finding.remediation?.commands.first == "sysctl -w net.bridge.bridge-nf-call-iptables=0")
    }

    /// forward-dev-down (eth-up down): the routed guest and nat1 got "Network is unreachable".
    @Test(arguments: backends) func forwardDevDownFailsOutbound(_ backend: String) throws {
        let failing = try claims("\(backend)-forward-dev-down", .fail)
        #expect(failing.contains("routed/claim.route.outbound-untranslated/ipv4"))
        #expect(failing.contains("default/claim.nat.outbound-translated/ipv4"))
        let finding = try #require(ClaimsFixtures.claim(try ClaimsFixtures.findings("\(backend)-forward-dev-down", network: "routed"),
                                                        "claim.route.outbound-untranslated", .ipv4))
        #expect(finding.remediation?.commands == ["ip link set eth-up up"])
        let ports = try ClaimsFixtures.findings("\(backend)-forward-dev-down", network: "hostbridge")
        #expect(ClaimsFixtures.claim(ports, "claim.bridge.ports-up")?.status == .pass)
    }
}

/// States whose harm host state cannot show, or does not cause: the claims stay as in the healthy lab.
@Suite struct ClaimsLabLimitsTests {
    private func statuses(_ fixture: String) throws -> [String: CheckStatus] {
        let host = try ClaimsFixtures.host(fixture)
        var out: [String: CheckStatus] = [:]
        for network in host.libvirt.networks {
            for finding in ClaimJudge.judge(network, on: host) {
                out["\(network.name)/\(finding.id)/\(finding.family?.rawValue ?? "-")"] = finding.status
            }
        }
        return out
    }

    /// no-lan-route: the routed guest's connection to the LAN timed out (the LAN router dropped the
    /// replies' way back). Nothing on the host changed: the claims are the healthy ones, and the
    /// standing `claim.route.lan-route` warning is what names the cause and the route to add.
    @Test func missingLANRouteIsOnlyTheStandingWarning() throws {
        let broken = try statuses("nftables-no-lan-route")
        #expect(broken == (try statuses("nftables-healthy")))
        #expect(broken["routed/claim.route.lan-route/ipv4"] == .warn)
    }

    /// subnet-overlap: eth-up also holds 192.168.122.50/24, yet nat1 -> LAN still arrived masqueraded
    /// and the LAN's tcp to nat1 was refused (virbr0's connected route wins): no claim changes.
    @Test func overlappingUplinkSubnetChangesNoClaim() throws {
        #expect(try statuses("nftables-subnet-overlap") == (try statuses("nftables-healthy")))
    }
}
