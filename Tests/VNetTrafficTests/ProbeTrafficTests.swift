import Testing
import VNetJudge
import VNetModel
import VNetPackets
@testable import VNetTraffic

/// The probe-aware judgements (`check --probe`) on constructed packets in the healthy lab host's model:
/// probe ports on the nat (virbr0) and isolated (virbr3) networks, both pinging the LAN router at once.
@Suite struct ProbeTrafficTests {
    typealias P = PacketBuilder
    static let upMAC = "02:00:00:00:01:02", lanMAC = "02:00:00:00:01:01"
    let natProbe = ("02:76:00:00:01:00", "52:54:00:0a:00:01"), isolatedProbe = ("02:76:00:00:01:01", "52:54:00:0a:00:04")
    let hostOut = (upMAC, lanMAC), lanIn = (lanMAC, upMAC)

    func judge(_ interfaces: [P.Interface], _ networks: [String], probes: [ProbedNetwork]) throws -> TrafficJudgement {
        let host = try TrafficFixtures.host()
        let scope = AuditScope(host: host, networks: host.libvirt.networks.filter { networks.contains($0.name) })
        return TrafficJudge.judge(scope: scope, decoded: interfaces.map(\.decoded), probes: probes)
    }

    func status(_ j: TrafficJudgement, _ network: String, _ id: String) -> CheckStatus? {
        j.findings(of: network).first { $0.id == id && $0.family == .ipv4 }?.status
    }

    func probe(_ network: String, _ address: String, inbound: [ProbedNetwork.Inbound] = []) -> ProbedNetwork {
        ProbedNetwork(network: network, addresses: [P.ip(address)], inboundPort: 47080, inbound: inbound)
    }

    /// Both probes ping 203.0.113.1 in the same millisecond; only the nat one leaves (translated, id kept).
    func simultaneousPings(natTranslated: Bool = true) -> [P.Interface] {
        var nat = P.Interface("virbr0"), iso = P.Interface("virbr3"), up = P.Interface("eth-up")
        let natSource = natTranslated ? "203.0.113.2" : "192.168.122.254"
        nat.add(1000, P.echo("192.168.122.254", "203.0.113.1", request: true, id: 700, mac: natProbe))
        iso.add(1000, P.echo("192.168.140.254", "203.0.113.1", request: true, id: 702, mac: isolatedProbe))
        up.add(1000, P.echo(natSource, "203.0.113.1", request: true, id: 700, mac: hostOut))
        up.add(1001, P.echo("203.0.113.1", natSource, request: false, id: 700, mac: lanIn))
        nat.add(1001, P.echo("203.0.113.1", "192.168.122.254", request: false, id: 700, mac: (natProbe.1, natProbe.0)))
        return [nat, iso, up]
    }

    @Test func anotherNetworksTranslatedFlowIsNotTakenForAnIsolatedLeak() throws {
        let j = try judge(simultaneousPings(), ["default", "isolated"],
                          probes: [probe("default", "192.168.122.254"), probe("isolated", "192.168.140.254")])
        #expect(status(j, "isolated", "traffic.isolated.probe-outbound") == .pass)
        #expect(status(j, "isolated", "traffic.isolated.nothing-leaves") == .pass)
        #expect(status(j, "default", "traffic.nat.probe-outbound") == .pass)
        let natFlow = try #require(j.flows.first { $0.network == "default" })
        #expect(natFlow.translatedTo == "203.0.113.2" && natFlow.answered)
        #expect(j.flows.first { $0.network == "isolated" }?.leftThrough == nil)
    }

    @Test func probeLeavingUntranslatedFailsNATWithEvidence() throws {
        let j = try judge(simultaneousPings(natTranslated: false), ["default"], probes: [probe("default", "192.168.122.254")])
        let finding = try #require(j.findings(of: "default").first { $0.id == "traffic.nat.probe-outbound" })
        #expect(finding.status == .fail)
        #expect(finding.evidence.first?.file == "evidence/default-traffic.nat.probe-outbound-ipv4.pcap")
        #expect(finding.remediation != nil)
    }

    @Test func isolatedProbeOnTheUplinkFails() throws {
        var iso = P.Interface("virbr3"), up = P.Interface("eth-up")
        iso.add(1000, P.tcp("192.168.140.254", 40000, "203.0.113.1", 443, .syn, mac: isolatedProbe))
        up.add(1000, P.tcp("192.168.140.254", 40000, "203.0.113.1", 443, .syn, mac: hostOut))
        let j = try judge([iso, up], ["isolated"], probes: [probe("isolated", "192.168.140.254")])
        #expect(status(j, "isolated", "traffic.isolated.probe-outbound") == .fail)
    }

    @Test func probeFlowsNeverSeenAreInconclusive() throws {
        var nat = P.Interface("virbr0")
        nat.add(1000, P.echo("192.168.122.11", "192.168.122.1", request: true, id: 1, mac: ("52:54:00:1a:00:01", natProbe.1)))
        let j = try judge([nat, P.Interface("eth-up")], ["default"], probes: [probe("default", "192.168.122.254")])
        #expect(status(j, "default", "traffic.nat.probe-outbound") == .inconclusive)
    }

    @Test(arguments: [("default", true, CheckStatus.fail), ("default", false, .pass), ("routed", true, .pass), ("routed", false, .fail)])
    func inboundProbe(network: String, accepted: Bool, expected: CheckStatus) throws {
        let (bridge, address) = network == "default" ? ("virbr0", "192.168.122.254") : ("virbr2", "192.168.130.254")
        var side = P.Interface(bridge), up = P.Interface("eth-up")
        side.add(1000, P.echo(address, "203.0.113.1", request: true, id: 9, mac: natProbe))
        up.add(1000, P.tcp("203.0.113.1", 50000, address, 47080, .syn, mac: lanIn))
        let tried = ProbedNetwork.Inbound(family: .ipv4, from: "netns lan", to: "\(address):47080", accepted: accepted, detail: "")
        let j = try judge([side, up], [network], probes: [probe(network, address, inbound: [tried])])
        let mode = network == "default" ? "nat" : "route"
        #expect(status(j, network, "traffic.\(mode).probe-inbound") == expected)
        if network == "routed" && !accepted {  // the route the peer lacks, via the host's uplink address
            let fix = j.findings(of: network).first { $0.id == "traffic.route.probe-inbound" }?.remediation?.commands
            #expect(fix == ["ip route add 192.168.130.0/24 via 203.0.113.2"])
        }
    }

    @Test func probeDNSToItsTargetIsNotAServiceFailure() throws {
        var nat = P.Interface("virbr0"), up = P.Interface("eth-up")
        nat.add(1000, P.dns("192.168.122.254", 40000, "203.0.113.1", 53, id: 5, response: false))
        up.add(1000, P.dns("203.0.113.2", 40000, "203.0.113.1", 53, id: 5, response: false))
        let j = try judge([nat, up], ["default"], probes: [probe("default", "192.168.122.254")])
        #expect(j.findings(of: "default").first { $0.id == "traffic.dns-answered" } == nil)
        // A guest's unanswered query still counts.
        nat.add(1200, P.dns("192.168.122.11", 40001, "203.0.113.1", 53, id: 6, response: false))
        let guest = try judge([nat, up], ["default"], probes: [probe("default", "192.168.122.254")])
        #expect(guest.findings(of: "default").first { $0.id == "traffic.dns-answered" }?.status == .fail)
    }
}
