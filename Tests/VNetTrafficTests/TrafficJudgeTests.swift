import Testing
import VNetJudge
import VNetModel
import VNetPackets
@testable import VNetTraffic

/// The traffic judge on constructed packets, in the healthy lab host's model (lab/README.md addresses):
/// each judgement's pass and fail, NAT correlation with a rewritten port, drops and silence.
@Suite struct TrafficJudgeTests {
    typealias P = PacketBuilder
    static let nat1MAC = "52:54:00:1a:00:01", virbr0MAC = "52:54:00:0a:00:01"
    static let upMAC = "02:00:00:00:01:02", lanMAC = "02:00:00:00:01:01"
    let guestOut = (nat1MAC, virbr0MAC), guestIn = (virbr0MAC, nat1MAC)
    let hostOut = (upMAC, lanMAC), lanIn = (lanMAC, upMAC)

    func judge(_ interfaces: [P.Interface], _ networks: [String]) throws -> TrafficJudgement {
        let host = try TrafficFixtures.host()
        let scope = AuditScope(host: host, networks: host.libvirt.networks.filter { networks.contains($0.name) })
        return TrafficJudge.judge(scope: scope, decoded: interfaces.map(\.decoded))
    }

    func finding(_ j: TrafficJudgement, _ network: String, _ id: String, _ family: AddressFamily = .ipv4) -> Finding? {
        j.findings(of: network).first { $0.id == id && $0.family == family }
    }

    /// nat1 opens tcp 44006 -> 203.0.113.1:8080; the host masquerades it to 203.0.113.2 port 61000.
    func translatedConnection(answered: Bool = true, leak: Bool = false) -> (P.Interface, P.Interface) {
        var br = P.Interface("virbr0"), up = P.Interface("eth-up")
        br.add(1000, P.tcp("192.168.122.11", 44006, "203.0.113.1", 8080, .syn, mac: guestOut))
        up.add(1000, P.tcp(leak ? "192.168.122.11" : "203.0.113.2", leak ? 44006 : 61000, "203.0.113.1", 8080, .syn, mac: hostOut))
        if answered {
            up.add(1001, P.tcp("203.0.113.1", 8080, leak ? "192.168.122.11" : "203.0.113.2", leak ? 44006 : 61000, [.syn, .ack], mac: lanIn))
            br.add(1001, P.tcp("203.0.113.1", 8080, "192.168.122.11", 44006, [.syn, .ack], mac: guestIn))
        }
        return (br, up)
    }

    @Test func translatedFlowWithRewrittenPortPasses() throws {
        let (br, up) = translatedConnection()
        let j = try judge([br, up], ["default"])
        #expect(finding(j, "default", "traffic.nat.no-guest-address-on-uplink")?.status == .pass)
        #expect(finding(j, "default", "traffic.nat.outbound-translated")?.status == .pass)
        let flow = try #require(j.flows.first { $0.network == "default" })
        #expect(flow.leftThrough == "eth-up")
        #expect(flow.translatedTo == "203.0.113.2")
        #expect(flow.answered)
        #expect(flow.flow == "tcp 192.168.122.11:44006 -> 203.0.113.1:8080")
        #expect(!j.findings(of: "default").contains { $0.status == .fail })
    }

    @Test func correlationPicksTheFlowInTimeNotAnEarlierOne() throws {
        var (br, up) = translatedConnection()
        // an unrelated, earlier host flow to the same service 5 s before must not be taken for nat1's
        up.packets.insert((0, P.tcp("203.0.113.2", 50000, "203.0.113.1", 8080, .syn, mac: hostOut)), at: 0)
        br.packets.insert((0, P.echo("192.168.122.11", "192.168.122.1", request: true, id: 1, mac: guestOut)), at: 0)
        let j = try judge([br, up], ["default"])
        let flow = try #require(j.flows.first { $0.network == "default" && $0.flow.hasPrefix("tcp") })
        #expect(flow.translatedTo == "203.0.113.2")
        #expect(flow.answered)
    }

    @Test func guestAddressOnUplinkIsANATLeakWithEvidence() throws {
        let (br, up) = translatedConnection(leak: true)
        let j = try judge([br, up], ["default"])
        let leak = try #require(finding(j, "default", "traffic.nat.no-guest-address-on-uplink"))
        #expect(leak.status == .fail)
        #expect(leak.message.contains("eth-up"))
        let evidence = try #require(leak.evidence.first)
        #expect(evidence.kind == .packets)
        #expect(evidence.file == "evidence/default-traffic.nat.no-guest-address-on-uplink-ipv4.pcap")
        #expect(evidence.source == "virbr0, eth-up")
        let file = try #require(j.evidence.first { $0.file == evidence.file })
        // both uplink frames carry the guest's address; the bridge side of the flow is context
        #expect(file.frames.count == 4)
        #expect(finding(j, "default", "traffic.nat.outbound-translated")?.status == .fail)
        // the rules of the healthy host say translated: rules and traffic disagree
        let disagreement = try #require(finding(j, "default", "traffic.rules-vs-traffic"))
        #expect(disagreement.status == .fail)
        #expect(disagreement.message.contains("claim.nat.outbound-translated"))
    }

    @Test func flowsThatNeverLeaveFailNAT() throws {
        var br = P.Interface("virbr0"), up = P.Interface("eth-up")
        br.add(1000, P.tcp("192.168.122.11", 44006, "203.0.113.1", 8080, .syn, mac: guestOut))
        up.add(1500, P.echo("203.0.113.2", "203.0.113.1", request: true, id: 9, mac: hostOut))
        let j = try judge([br, up], ["default"])
        let out = try #require(finding(j, "default", "traffic.nat.outbound-translated"))
        #expect(out.status == .fail)
        #expect(out.message.contains("none reached eth-up"))
    }

    @Test func newInboundConnectionReachingAGuestIsExposure() throws {
        var br = P.Interface("virbr0"), up = P.Interface("eth-up")
        up.add(1000, P.tcp("203.0.113.1", 43258, "192.168.122.11", 8080, .syn, mac: lanIn))
        br.add(1000, P.tcp("203.0.113.1", 43258, "192.168.122.11", 8080, .syn, mac: guestIn))
        let j = try judge([br, up], ["default"])
        let exposure = try #require(finding(j, "default", "traffic.nat.inbound-refused"))
        #expect(exposure.status == .fail)
        #expect(exposure.message.contains("tcp 203.0.113.1:43258 -> 192.168.122.11:8080"))
        #expect(!exposure.evidence.isEmpty)
    }

    @Test func refusedInboundPassesAndTheHostRejectIsExpected() throws {
        var br = P.Interface("virbr0"), up = P.Interface("eth-up")
        br.add(500, P.echo("192.168.122.11", "192.168.122.1", request: true, id: 3, mac: guestOut))
        up.add(1000, P.tcp("203.0.113.1", 43258, "192.168.122.11", 8080, .syn, mac: lanIn))
        up.add(1001, P.icmpError("203.0.113.2", "203.0.113.1", type: 3, code: 3,
                                 quoting: QuotedPacket(source: P.ip("203.0.113.1"), destination: P.ip("192.168.122.11"),
                                                       protocolNumber: 6, sourcePort: 43258, destinationPort: 8080), mac: hostOut))
        let j = try judge([br, up], ["default"])
        #expect(finding(j, "default", "traffic.nat.inbound-refused")?.status == .pass)
        let rejects = try #require(finding(j, "default", "traffic.host-rejects"))
        #expect(rejects.status == .pass)
        #expect(finding(j, "default", "traffic.rules-vs-traffic")?.status == .pass)
    }

    @Test func udpFromOutsideIsNotTakenForANewConnection() throws {
        // a datagram from outside seen first may answer a flow older than the capture
        var br = P.Interface("virbr0"), up = P.Interface("eth-up")
        up.add(1000, P.udp("203.0.113.1", 123, "192.168.122.11", 40123, mac: lanIn))
        br.add(1000, P.udp("203.0.113.1", 123, "192.168.122.11", 40123, mac: guestIn))
        let j = try judge([br, up], ["default"])
        #expect(finding(j, "default", "traffic.nat.inbound-refused") == nil)
        #expect(!j.findings(of: "default").contains { $0.status == .fail })
    }

    @Test func natIPv6WithoutNATIsRoutedAndWarns() throws {
        var br = P.Interface("virbr0"), up = P.Interface("eth-up")
        br.add(1000, P.tcp("fd00:122::11", 45922, "2001:db8:100::1", 8080, .syn, mac: guestOut))
        up.add(1000, P.tcp("fd00:122::11", 45922, "2001:db8:100::1", 8080, .syn, mac: hostOut))
        up.add(1001, P.tcp("2001:db8:100::1", 8080, "fd00:122::11", 45922, [.syn, .ack], mac: lanIn))
        let j = try judge([br, up], ["default"])
        let routed = try #require(finding(j, "default", "traffic.nat.ipv6-routed", .ipv6))
        #expect(routed.status == .warn)
        #expect(routed.remediation?.commands == ["ip -6 route add fd00:122::/64 via 2001:db8:100::2"])
        #expect(finding(j, "default", "traffic.nat.no-guest-address-on-uplink", .ipv6) == nil)
    }

    @Test func hostRejectingNATGuestsOutboundWarns() throws {
        var br = P.Interface("virbr0"), up = P.Interface("eth-up")
        br.add(1000, P.tcp("192.168.122.11", 44006, "203.0.113.1", 8080, .syn, mac: guestOut))
        br.add(1001, P.icmpError("192.168.122.1", "192.168.122.11", type: 3, code: 13,
                                 quoting: QuotedPacket(source: P.ip("192.168.122.11"), destination: P.ip("203.0.113.1"),
                                                       protocolNumber: 6, sourcePort: 44006, destinationPort: 8080), mac: guestIn))
        up.add(1500, P.echo("203.0.113.2", "203.0.113.1", request: true, id: 9, mac: hostOut))
        let j = try judge([br, up], ["default"])
        let rejects = try #require(finding(j, "default", "traffic.host-rejects"))
        #expect(rejects.status == .warn)
        #expect(rejects.message.contains("from 192.168.122.1"))
        // the reject and the SYN it refuses are the evidence
        #expect(j.evidence.first { $0.file == rejects.evidence.first?.file }?.frames.count == 2)
        #expect(finding(j, "default", "traffic.icmp-errors") == nil)
    }

    @Test func isolatedGuestOnUplinkIsALeak() throws {
        var br = P.Interface("virbr3"), up = P.Interface("eth-up")
        let mac = ("52:54:00:1a:00:05", "52:54:00:0a:00:04")
        br.add(1000, P.tcp("192.168.140.11", 42188, "203.0.113.1", 8080, .syn, mac: mac))
        up.add(1000, P.tcp("192.168.140.11", 42188, "203.0.113.1", 8080, .syn, mac: hostOut))
        up.add(1001, P.tcp("203.0.113.1", 8080, "192.168.140.11", 42188, [.syn, .ack], mac: lanIn))
        let j = try judge([br, up], ["isolated"])
        let leak = try #require(finding(j, "isolated", "traffic.isolated.nothing-leaves"))
        #expect(leak.status == .fail)
        #expect(leak.evidence.first?.file == "evidence/isolated-traffic.isolated.nothing-leaves-ipv4.pcap")
    }

    @Test func isolatedAttemptRejectedByTheHostPasses() throws {
        var br = P.Interface("virbr3"), up = P.Interface("eth-up")
        let mac = ("52:54:00:1a:00:05", "52:54:00:0a:00:04")
        br.add(1000, P.tcp("192.168.140.11", 42188, "203.0.113.1", 8080, .syn, mac: mac))
        br.add(1001, P.icmpError("192.168.140.1", "192.168.140.11", type: 3, code: 3,
                                 quoting: QuotedPacket(source: P.ip("192.168.140.11"), destination: P.ip("203.0.113.1"),
                                                       protocolNumber: 6, sourcePort: 42188, destinationPort: 8080),
                                 mac: (mac.1, mac.0)))
        up.add(1500, P.echo("203.0.113.2", "203.0.113.1", request: true, id: 9, mac: hostOut))
        let j = try judge([br, up], ["isolated"])
        #expect(finding(j, "isolated", "traffic.isolated.nothing-leaves")?.status == .pass)
        #expect(finding(j, "isolated", "traffic.host-rejects")?.status == .pass)
        #expect(finding(j, "isolated", "traffic.icmp-errors") == nil)
    }

    @Test func frameForwardedIntoIsolatedNetworkIsALeak() throws {
        var br = P.Interface("virbr3"), up = P.Interface("eth-up")
        up.add(1000, P.tcp("203.0.113.1", 41934, "192.168.140.11", 8080, .syn, mac: lanIn))
        br.add(1000, P.tcp("203.0.113.1", 41934, "192.168.140.11", 8080, .syn, mac: ("52:54:00:0a:00:04", "52:54:00:1a:00:05")))
        let j = try judge([br, up], ["isolated"])
        #expect(finding(j, "isolated", "traffic.isolated.nothing-enters")?.status == .fail)
    }

    /// routed -> LAN, untranslated: answered passes; unanswered while a nat flow on eth-up is answered
    /// fails with the LAN router's route; unanswered with nothing else answered warns.
    @Test(arguments: [(true, true, CheckStatus.pass), (false, true, .fail), (false, false, .warn)])
    func returnRoute(answered: Bool, othersAnswered: Bool, expected: CheckStatus) throws {
        var br = P.Interface("virbr2"), up = P.Interface("eth-up")
        let mac = ("52:54:00:1a:00:04", "52:54:00:0a:00:03")
        br.add(1000, P.tcp("192.168.130.11", 50132, "203.0.113.1", 8080, .syn, mac: mac))
        up.add(1000, P.tcp("192.168.130.11", 50132, "203.0.113.1", 8080, .syn, mac: hostOut))
        if answered { up.add(1001, P.tcp("203.0.113.1", 8080, "192.168.130.11", 50132, [.syn, .ack], mac: lanIn)) }
        up.add(1200, P.echo("203.0.113.2", "203.0.113.1", request: true, id: 7, mac: hostOut))
        if othersAnswered { up.add(1201, P.echo("203.0.113.1", "203.0.113.2", request: false, id: 7, mac: lanIn)) }
        let j = try judge([br, up], ["routed"])
        #expect(finding(j, "routed", "traffic.route.outbound-untranslated")?.status == .pass)
        let route = try #require(finding(j, "routed", "traffic.route.return-route"))
        #expect(route.status == expected)
        if expected != .pass {
            #expect(route.remediation?.commands == ["ip route add 192.168.130.0/24 via 203.0.113.2"])
        }
    }

    @Test func bridgedGuestOnTheLANPortPassesAndMissingFails() throws {
        for seen in [true, false] {
            var port = P.Interface("vnet6"), lan = P.Interface("eth-br")
            let mac = ("52:54:00:1a:00:07", "02:00:00:00:02:01")
            port.add(1000, P.tcp("198.51.100.10", 55076, "198.51.100.1", 8080, .syn, mac: mac))
            if seen { lan.add(1000, P.tcp("198.51.100.10", 55076, "198.51.100.1", 8080, .syn, mac: mac)) }
            lan.add(1100, P.echo("198.51.100.1", "198.51.100.2", request: true, id: 1, mac: ("02:00:00:00:02:01", "02:00:00:00:02:03")))
            let j = try judge([port, lan], ["hostbridge"])
            let f = try #require(finding(j, "hostbridge", "traffic.bridge.guests-on-uplink"))
            #expect(f.status == (seen ? .pass : .fail))
            if seen { #expect(f.message.contains("52:54:00:1a:00:07")) }
        }
    }

    @Test func dhcpAndDNSWithoutAnswersFail() throws {
        var br = P.Interface("virbr0")
        br.add(1000, P.dhcp("0.0.0.0", "255.255.255.255", op: 1, type: 1, xid: 0x1234, client: Self.nat1MAC))
        br.add(1500, P.dns("192.168.122.11", 46714, "192.168.122.1", 53, id: 39233, response: false))
        let j = try judge([br], ["default"])
        let dhcp = try #require(finding(j, "default", "traffic.dhcp-answered"))
        #expect(dhcp.status == .fail)
        #expect(dhcp.message.contains("0x1234"))
        #expect(finding(j, "default", "traffic.dns-answered")?.status == .fail)

        br.add(1001, P.dhcp("192.168.122.1", "255.255.255.255", op: 2, type: 2, xid: 0x1234, client: Self.nat1MAC))
        br.add(1501, P.dns("192.168.122.1", 53, "192.168.122.11", 46714, id: 39233, response: true))
        let answered = try judge([br], ["default"])
        #expect(finding(answered, "default", "traffic.dhcp-answered")?.status == .pass)
        #expect(finding(answered, "default", "traffic.dns-answered")?.status == .pass)
    }

    @Test func requestAtTheVeryEndOfTheCaptureIsNotJudged() throws {
        var br = P.Interface("virbr0")
        br.add(1000, P.dhcp("0.0.0.0", "255.255.255.255", op: 1, type: 1, xid: 1, client: Self.nat1MAC))
        br.endMs = 1200
        let j = try judge([br], ["default"])
        #expect(finding(j, "default", "traffic.dhcp-answered") == nil)
    }

    @Test func fragmentationNeededWarnsWithTheMTU() throws {
        var (br, up) = translatedConnection()
        up.add(1002, P.icmpError("203.0.113.1", "203.0.113.2", type: 3, code: 4, mtu: 1400,
                                 quoting: QuotedPacket(source: P.ip("203.0.113.2"), destination: P.ip("203.0.113.1"),
                                                       protocolNumber: 6, sourcePort: 61000, destinationPort: 8080), mac: lanIn))
        br.add(1003, P.echo("192.168.122.11", "192.168.122.1", request: true, id: 2, mac: guestOut))
        let j = try judge([br, up], ["default"])
        let icmp = try #require(finding(j, "default", "traffic.icmp-errors"))
        #expect(icmp.status == .warn)
        #expect(icmp.message.contains("MTU 1400"))
    }

    @Test func dropsMakeNothingBadSeenInconclusive() throws {
        var (br, up) = translatedConnection()
        up.counters = CaptureCounters(received: 100, droppedByKernel: 7, droppedByInterface: 0)
        let j = try judge([br, up], ["default"])
        let f = try #require(finding(j, "default", "traffic.nat.no-guest-address-on-uplink"))
        #expect(f.status == .inconclusive)
        #expect(f.message.contains("7 on eth-up"))
        #expect(!j.findings(of: "default").contains { $0.status == .pass })
        #expect(j.hostFindings.first { $0.id == "traffic.capture" }?.status == .inconclusive)
        // drops do not hide what was seen
        let (leakBr, leakUp) = translatedConnection(leak: true)
        var dropping = leakUp
        dropping.counters = up.counters
        let leak = try judge([leakBr, dropping], ["default"])
        #expect(finding(leak, "default", "traffic.nat.no-guest-address-on-uplink")?.status == .fail)
    }

    /// A capture that failed part-way (a full disk under the spool file) lost the frames after the failure
    /// without counting them: nothing bad seen is as undecided as with drops.
    @Test func aFailedCaptureMakesNothingBadSeenInconclusive() throws {
        var (br, up) = translatedConnection()
        up.end = .failed("cannot write /var/tmp/vnetaudit-capture-x/1-eth-up.pcap: No space left on device")
        let j = try judge([br, up], ["default"])
        let f = try #require(finding(j, "default", "traffic.nat.no-guest-address-on-uplink"))
        #expect(f.status == .inconclusive)
        #expect(f.message.contains("the capture of eth-up failed part-way"))
        #expect(!j.findings(of: "default").contains { $0.status == .pass })
        let (leakBr, leakUp) = translatedConnection(leak: true)
        var failing = leakUp
        failing.end = up.end
        #expect(finding(try judge([leakBr, failing], ["default"]), "default", "traffic.nat.no-guest-address-on-uplink")?.status == .fail,
                "a failure does not hide what was seen")
    }

    @Test func noTrafficOrNoCaptureIsInconclusive() throws {
        let silent = try judge([P.Interface("virbr0"), P.Interface("eth-up")], ["default"])
        let f = try #require(finding(silent, "default", "traffic.nat.traffic-seen"))
        #expect(f.status == .inconclusive)
        #expect(f.message.contains("carried no IPv4 traffic"))
        let uncaptured = try judge([P.Interface("eth-up")], ["routed"])
        #expect(finding(uncaptured, "routed", "traffic.route.traffic-seen")?.message.contains("virbr2 was not captured") == true)
    }

    @Test func vanishedInterfaceIsNotedAndUnknownInterfacesIgnored() throws {
        var (br, up) = translatedConnection()
        br.end = .interfaceVanished
        var stray = P.Interface("wlan0")
        stray.add(1, P.echo("10.0.0.1", "10.0.0.2", request: true, id: 1))
        let j = try judge([br, up, stray], ["default"])
        let capture = try #require(j.hostFindings.first { $0.id == "traffic.capture" })
        #expect(capture.status == .warn)
        #expect(capture.message.contains("virbr0 (test): 2 frames, the interface vanished"))
        #expect(capture.message.contains("wlan0 (test): 1 frames, not an interface of the audited networks"))
        #expect(finding(j, "default", "traffic.nat.outbound-translated")?.status == .pass)
    }

    @Test func evidenceIsCappedAndInTimeOrder() throws {
        var br = P.Interface("virbr0"), up = P.Interface("eth-up")
        for i in 0..<300 {
            let port = UInt16(40000 + i)
            br.add(UInt64(1000 + i), P.udp("192.168.122.11", port, "203.0.113.1", 9999, mac: guestOut))
            up.add(UInt64(1000 + i), P.udp("192.168.122.11", port, "203.0.113.1", 9999, mac: hostOut))
        }
        let j = try judge([br, up], ["default"])
        let file = try #require(j.evidence.first { $0.file.contains("no-guest-address-on-uplink") })
        #expect(file.frames.count == EvidenceFiles.frameLimit)
        #expect(file.frames.map(\.timestampNanoseconds) == file.frames.map(\.timestampNanoseconds).sorted())
    }
}
