import Testing
import VNetEvaluate
import VNetJudge
import VNetModel

/// The status rules of claims, on the healthy nftables lab changed in one place each: what the
/// evaluator cannot decide is inconclusive (never a guessed pass), inactive networks and modes with
/// nothing to walk get their one finding, a routed network's guests translated is a warning, and a
/// family without an uplink shows where routing sends the guests.
@Suite struct ClaimsStatusTests {
    private func healthy() throws -> HostState { try ClaimsFixtures.host("nftables-healthy") }

    private func judge(_ host: HostState, _ name: String) throws -> [Finding] {
        ClaimJudge.judge(try #require(host.libvirt.network(named: name)), on: host)
    }

    /// Puts `rule` at the top of chain `chain` of libvirt's `ip libvirt_network` table.
    private func prepend(_ rule: FirewallRule, to chain: String, family: TableFamily = .ip, in host: inout HostState) throws {
        let t = try #require(host.firewall.tables.firstIndex { $0.family == family && $0.name == "libvirt_network" })
        let c = try #require(host.firewall.tables[t].chains.firstIndex { $0.name == chain })
        host.firewall.tables[t].chains[c].rules.insert(rule, at: 0)
    }

    @Test func undecidableMatchMakesTheClaimInconclusiveNamingTheRule() throws {
        var host = try healthy()
        let rule = FirewallRule(position: 0, handle: 999, elements: [
            .unknown(UnknownElement(kind: "match", name: "xt:recent", text: "recent --rcheck --name guests", mayAffectVerdict: true)),
            .action(.drop),
        ], text: "recent --rcheck --name guests drop")
        try prepend(rule, to: "guest_output", in: &host)
        let findings = try judge(host, "default")
        let outbound = try #require(ClaimsFixtures.claim(findings, "claim.nat.outbound-translated", .ipv4))
        #expect(outbound.status == .inconclusive)
        #expect(outbound.message.contains("recent --rcheck --name guests"))
        #expect(outbound.remediation == nil)
        // Replies never reach guest_output: still decided.
        #expect(ClaimsFixtures.claim(findings, "claim.nat.replies-return", .ipv4)?.status == .pass)
    }

    @Test func unrecordedForwardingSysctlIsInconclusive() throws {
        var host = try healthy()
        host.sysctls.values["net.ipv4.ip_forward"] = nil
        let findings = try judge(host, "routed")
        let outbound = try #require(ClaimsFixtures.claim(findings, "claim.route.outbound-untranslated", .ipv4))
        #expect(outbound.status == .inconclusive)
        #expect(outbound.message.contains("net.ipv4.ip_forward"))
        #expect(ClaimsFixtures.claim(findings, "claim.route.outbound-untranslated", .ipv6)?.status == .pass)
    }

    @Test func inactiveNetworkGetsOneWarning() throws {
        var host = try healthy()
        let index = try #require(host.libvirt.networks.firstIndex { $0.name == "nat6" })
        host.libvirt.networks[index].active = false
        let findings = try judge(host, "nat6")
        #expect(findings.map(\.id) == ["claim.nat.active"])
        #expect(findings.first?.status == .warn)
        #expect(findings.first?.remediation?.commands == ["virsh net-start nat6"])
    }

    @Test func macvtapModesAreNotEvaluated() throws {
        let host = try healthy()
        let network = LibvirtNetwork(name: "direct", active: true, persistent: true, autostart: false,
                                     forward: Forward(mode: .passthrough, dev: "eth-up"))
        let findings = ClaimJudge.judge(network, on: host)
        #expect(findings.map(\.id) == ["claim.passthrough.not-evaluated"])
        #expect(findings.first?.status == .inconclusive)
        #expect(findings.first?.message.contains("eth-up") == true)
    }

    /// A masquerade of everything leaving eth-up, ahead of libvirt's rules: the routed network's guests
    /// get out, but not with their own addresses.
    @Test func routedGuestsTranslatedIsAWarningWithTheRuleToRemove() throws {
        var host = try healthy()
        let rule = FirewallRule(position: 0, handle: 998, elements: [
            .match(Match(.oifname, .eq, .string("eth-up"))), .action(.masquerade(ports: nil, flags: [])),
        ], text: "oifname \"eth-up\" masquerade")
        try prepend(rule, to: "guest_nat", in: &host)
        let finding = try #require(ClaimsFixtures.claim(try judge(host, "routed"), "claim.route.outbound-untranslated", .ipv4))
        #expect(finding.status == .warn)
        #expect(finding.remediation?.commands == ["nft delete rule ip libvirt_network guest_nat handle 998"])
    }

    /// An snat of the default network's guests ahead of libvirt's masquerade: to the uplink's own address
    /// the claim holds; to an address of another device only if the LAN routes it here (warn); to an
    /// address the host does not own, replies never come back (fail, naming the rule).
    @Test func natPassesOnlyWhenTheTranslatedSourceIsTheUplinksOwn() throws {
        func outbound(snatTo text: String) throws -> Finding {
            var host = try healthy()
            let address = try #require(IPAddress(text))
            let rule = FirewallRule(position: 0, handle: 997, elements: [
                .match(Match(.ipSaddr, .eq, .prefix(try #require(IPPrefix("192.168.122.0/24"))))),
                .action(.snat(addresses: AddressRange(low: address, high: address), ports: nil, flags: [])),
            ], text: "ip saddr 192.168.122.0/24 snat to \(text)")
            try prepend(rule, to: "guest_nat", in: &host)
            return try #require(ClaimsFixtures.claim(try judge(host, "default"), "claim.nat.outbound-translated", .ipv4))
        }
        #expect(try outbound(snatTo: "203.0.113.2").status == .pass)
        let elsewhere = try outbound(snatTo: "198.51.100.2")
        #expect(elsewhere.status == .warn)
        #expect(elsewhere.message.contains("198.51.100.2 is an address of br0, not of eth-up"))
        let foreign = try outbound(snatTo: "203.0.113.99")
        #expect(foreign.status == .fail)
        #expect(foreign.message.contains("this host does not own 203.0.113.99: replies never come back"))
        #expect(foreign.message.contains("snat to 203.0.113.99"))
        #expect(foreign.remediation?.commands.first == "nft delete rule ip libvirt_network guest_nat handle 997")
        // Without the host's addresses the claim cannot say where replies go.
        var unread = try healthy()
        unread.coverage.links = .notCollected
        let undecided = ClaimsFixtures.claim(ClaimJudge.judge(try #require(unread.libvirt.network(named: "default")), on: unread),
                                             "claim.nat.outbound-translated", .ipv4)
        #expect(undecided?.status == .inconclusive)
    }

    /// A BPF program acts where the rules cannot be seen: a claim whose packet crosses it is inconclusive,
    /// naming the device and program; a tc egress program only matters to packets that get through.
    @Test func aBPFProgramOnThePacketsWayMakesTheClaimInconclusive() throws {
        var host = try healthy()
        for i in host.links.indices { host.links[i].bpfPrograms = [] }
        let eth = try #require(host.links.firstIndex { $0.name == "eth-up" })
        host.links[eth].bpfPrograms = [BPFAttachment(hook: .xdp, xdpMode: .generic, programID: 41)]
        let bridge = try #require(host.links.firstIndex { $0.name == "virbr0" })
        host.links[bridge].bpfPrograms = [BPFAttachment(hook: .tcEgress, programID: 42, name: "shaper", tcPriority: 1, tcHandle: 1,
                                                        directAction: true)]
        let findings = try judge(host, "default")
        let outbound = try #require(ClaimsFixtures.claim(findings, "claim.nat.outbound-translated", .ipv4))
        #expect(outbound.status == .pass)  // leaves by eth-up: only its XDP (received) would matter, and it is not crossed
        let replies = try #require(ClaimsFixtures.claim(findings, "claim.nat.replies-return", .ipv4))
        #expect(replies.status == .inconclusive)
        #expect(replies.message.contains("eth-up xdp (generic) id 41"))
        #expect(replies.message.contains("virbr0 tc-egress pref 1 handle 0x1 id 42 shaper direct-action"))
        // Refused by libvirt's rules before it could reach virbr0's egress; but eth-up's XDP saw it first.
        let inbound = try #require(ClaimsFixtures.claim(findings, "claim.nat.inbound-refused", .ipv4))
        #expect(inbound.status == .inconclusive)
        #expect(!inbound.message.contains("virbr0 tc-egress"))
    }

    /// Without IPv6 default routes, nat6's IPv6 guests have no way out: routing says so through a
    /// documentation address, and there is no uplink to receive from.
    @Test func familyWithoutUplinkShowsWhereRoutingSendsGuests() throws {
        var host = try healthy()
        host.routes.removeAll { $0.family == .ipv6 && $0.destination.length == 0 }
        let findings = try judge(host, "nat6")
        let outbound = try #require(ClaimsFixtures.claim(findings, "claim.nat.outbound-translated", .ipv6))
        #expect(outbound.status == .fail)
        #expect(outbound.message.contains("no route to 2001:db8::1"))
        let inbound = try #require(ClaimsFixtures.claim(findings, "claim.nat.inbound-refused", .ipv6))
        #expect(inbound.status == .pass)
        #expect(inbound.message.contains("no IPv6 uplink"))
        #expect(ClaimsFixtures.claim(findings, "claim.nat.outbound-translated", .ipv4)?.status == .pass)
    }

    @Test func missingHostBridgeFailsPortsUp() throws {
        var host = try healthy()
        host.links.removeAll { $0.name == "br0" }
        let finding = try #require(ClaimsFixtures.claim(try judge(host, "hostbridge"), "claim.bridge.ports-up"))
        #expect(finding.status == .fail)
        #expect(finding.message.contains("br0 does not exist"))
    }

    @Test func downUplinkPortFailsPortsUp() throws {
        var host = try healthy()
        let index = try #require(host.links.firstIndex { $0.name == "eth-br" })
        host.links[index].adminUp = false
        let finding = try #require(ClaimsFixtures.claim(try judge(host, "hostbridge"), "claim.bridge.ports-up"))
        #expect(finding.status == .fail)
        #expect(finding.remediation?.commands == ["ip link set eth-br up"])
    }
}
