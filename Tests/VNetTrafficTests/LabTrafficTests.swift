import Testing
import VNetJudge
import VNetModel
import VNetPackets
import VNetTraffic

/// The traffic judge on real captures from the lab, both libvirt firewall backends (Fixtures/capture-lab.sh):
/// healthy, and after `masquerade-removed`, `isolation-broken`, `no-lan-route` and `dnsmasq-killed`, each
/// with the script's lab/probe.py traffic (nat1 DHCP, DNS, tcp and ping to the LAN, tcp6; routed tcp both
/// ways; isolated to the host and the LAN; the LAN to nat1 and isolated; the bridged guest and the LAN).
/// The expectations are what the probes saw (the script's log), decoded by the real decoders.
@Suite struct LabTrafficTests {
    static let backends = ["nftables", "iptables"]

    func judge(_ backend: String, _ state: String) throws -> TrafficJudgement {
        let name = "\(backend)-\(state)"
        let host = try TrafficFixtures.host(name)
        return TrafficJudge.judge(scope: TrafficFixtures.scope(host), captures: try TrafficFixtures.captures(name))
    }

    /// `network/id/family` of the findings with `status`.
    func ids(_ j: TrafficJudgement, _ status: CheckStatus) -> Set<String> {
        Set(j.findings.filter { $0.finding.status == status }
            .map { "\($0.network ?? "host")/\($0.finding.id)/\($0.finding.family?.rawValue ?? "-")" })
    }

    func finding(_ j: TrafficJudgement, _ network: String, _ id: String, _ family: AddressFamily = .ipv4) throws -> Finding {
        try #require(j.findings(of: network).first { $0.id == id && $0.family == family }, "\(network) \(id) \(family)")
    }

    /// The frames of a finding's evidence file, decoded.
    func evidencePackets(_ j: TrafficJudgement, _ finding: Finding) throws -> [DecodedPacket] {
        let file = try #require(finding.evidence.first { $0.kind == .packets }?.file)
        let capture = try #require(j.evidence.first { $0.file == file })
        // what the CLI writes is a pcap file that reads back
        let reread = try PcapFile.read(capture.pcapBytes)
        #expect(reread.frames == capture.frames)
        return reread.frames.map { PacketDecoder.decode($0.bytes, linkType: reread.linkType) }
    }

    /// Healthy: nothing fails; every network's claims are judged from its own packets. The only
    /// inconclusive ones are the families nobody used (the script makes no IPv6 traffic on isolated's or
    /// the host bridge's guest side).
    @Test(arguments: backends) func healthyLabHasNoFailure(_ backend: String) throws {
        let j = try judge(backend, "healthy")
        #expect(ids(j, .fail).isEmpty)
        #expect(ids(j, .warn) == ["default/traffic.nat.ipv6-routed/ipv6"])
        #expect(ids(j, .inconclusive) == ["hostbridge/traffic.bridge.traffic-seen/ipv6", "isolated/traffic.isolated.traffic-seen/ipv6"])
        for expected in ["default/traffic.nat.no-guest-address-on-uplink/ipv4", "default/traffic.nat.outbound-translated/ipv4",
                         "default/traffic.nat.inbound-refused/ipv4", "default/traffic.dhcp-answered/ipv4", "default/traffic.dns-answered/ipv4",
                         "routed/traffic.route.outbound-untranslated/ipv4", "routed/traffic.route.return-route/ipv4",
                         "routed/traffic.route.return-route/ipv6", "routed/traffic.route.inbound-accepted/ipv4",
                         "isolated/traffic.isolated.nothing-leaves/ipv4", "isolated/traffic.isolated.nothing-enters/ipv4",
                         "hostbridge/traffic.bridge.guests-on-uplink/ipv4", "default/traffic.rules-vs-traffic/ipv4", "host/traffic.capture/-"] {
            #expect(ids(j, .pass).contains(expected), "\(expected)")
        }
        let flow = try #require(j.flows.first { $0.network == "default" && $0.flow.hasPrefix("tcp 192.168.122.11:") && $0.flow.hasSuffix("203.0.113.1:8080") })
        #expect(flow.translatedTo == "203.0.113.2")
        #expect(flow.answered)
    }

    /// Masquerade removed: nat1's packets reach the LAN from 192.168.122.11; the evidence holds them.
    @Test(arguments: backends) func masqueradeRemovedIsANATLeak(_ backend: String) throws {
        let j = try judge(backend, "masquerade-removed")
        #expect(ids(j, .fail) == ["default/traffic.nat.no-guest-address-on-uplink/ipv4", "default/traffic.nat.outbound-translated/ipv4"])
        let leak = try finding(j, "default", "traffic.nat.no-guest-address-on-uplink")
        let evidence = try #require(leak.evidence.first)
        #expect(evidence.file == "evidence/default-traffic.nat.no-guest-address-on-uplink-ipv4.pcap")
        #expect(evidence.source == "virbr0, eth-up")
        let guest = IPAddress("192.168.122.11")!
        let packets = try evidencePackets(j, leak)
        #expect(packets.contains { $0.ip?.source == guest && $0.ethernet?.source == "02:00:00:00:01:02" }, "the guest's address as it left through eth-up")
        #expect(packets.allSatisfy { $0.ip?.source == guest || $0.ip?.destination == guest })
        // the rule set says the same (the masquerade rule is gone): no disagreement
        #expect(try finding(j, "default", "traffic.rules-vs-traffic").status == .pass)
    }

    /// Isolation broken: the isolated guest reaches the LAN with its own address and the LAN reaches it.
    @Test(arguments: backends) func isolationBrokenLeaksBothWays(_ backend: String) throws {
        let j = try judge(backend, "isolation-broken")
        #expect(ids(j, .fail) == ["isolated/traffic.isolated.nothing-leaves/ipv4", "isolated/traffic.isolated.nothing-enters/ipv4"])
        let leak = try finding(j, "isolated", "traffic.isolated.nothing-leaves")
        let packets = try evidencePackets(j, leak)
        #expect(packets.contains { $0.ip?.source == IPAddress("192.168.140.11") && $0.ethernet?.source == "02:00:00:00:01:02" })
        #expect(try finding(j, "isolated", "traffic.isolated.nothing-enters").message.contains("-> 192.168.140.11:8080"))
    }

    /// No LAN route: routed's connections leave untranslated and get no answer while the LAN answers
    /// nat1; the finding gives the LAN router's route.
    @Test(arguments: backends) func missingLANRouteFailsWithTheRoute(_ backend: String) throws {
        let j = try judge(backend, "no-lan-route")
        #expect(ids(j, .fail) == ["routed/traffic.route.return-route/ipv4", "routed/traffic.route.return-route/ipv6"])
        let v4 = try finding(j, "routed", "traffic.route.return-route")
        #expect(v4.remediation?.commands == ["ip route add 192.168.130.0/24 via 203.0.113.2"])
        let v6 = try finding(j, "routed", "traffic.route.return-route", .ipv6)
        #expect(v6.remediation?.commands == ["ip -6 route add 2001:db8:130::/64 via 2001:db8:100::2"])
        #expect(try finding(j, "routed", "traffic.route.outbound-untranslated").status == .pass)
        let packets = try evidencePackets(j, v4)
        #expect(packets.contains { $0.ip?.source == IPAddress("192.168.130.11") })
    }

    /// dnsmasq killed: DHCP and DNS go unanswered (the DNS query meets the host's port unreachable).
    @Test(arguments: backends) func dnsmasqKilledLeavesDHCPAndDNSUnanswered(_ backend: String) throws {
        let j = try judge(backend, "dnsmasq-killed")
        #expect(ids(j, .fail) == ["default/traffic.dhcp-answered/ipv4", "default/traffic.dns-answered/ipv4"])
        let dhcp = try finding(j, "default", "traffic.dhcp-answered")
        let packets = try evidencePackets(j, dhcp)
        #expect(!packets.isEmpty)
        #expect(packets.allSatisfy { if case .dhcp(let m)? = $0.application { return m.op == 1 } else { return false } })
        #expect(try finding(j, "default", "traffic.host-rejects").status == .warn)
    }

    /// Every traffic verdict carries evidence: the offending packets, or what was looked at.
    @Test(arguments: backends) func everyFindingHasEvidence(_ backend: String) throws {
        for state in ["healthy", "masquerade-removed", "isolation-broken", "no-lan-route", "dnsmasq-killed"] {
            let bare = try judge(backend, state).findings.filter(\.finding.evidence.isEmpty)
                .map { "\($0.network ?? "host") \($0.finding.id) \($0.finding.status.rawValue)" }
            #expect(bare.isEmpty, "\(backend)-\(state): findings without evidence: \(bare)")
        }
    }
}
