import Testing
import VNetModel
import VNetPackets

/// Every protocol the decoders read, from hand-built frames: the fields come out as built.
@Suite struct PacketDecoderTests {
    @Test func emptyFrameIsTruncatedEthernet() {
        let packet = PacketDecoder.decode([], linkType: .ethernet)
        #expect(packet.ethernet == nil)
        #expect(packet.issue == .truncated(layer: .ethernet, needed: 14, available: 0))
        #expect(packet.issue?.description == "ethernet truncated: 14 bytes needed, 0 captured")
    }

    @Test func arpRequest() throws {
        let packet = SampleFrames.arpRequest.decode()
        #expect(packet.issue == nil)
        #expect(packet.ethernet?.destination == "ff:ff:ff:ff:ff:ff")
        #expect(packet.ethernet?.source == SampleFrames.guestMAC)
        let arp = try #require(packet.arp)
        #expect(arp.operation == 1)
        #expect(arp.senderMAC == SampleFrames.guestMAC)
        #expect(arp.senderAddress == ip("192.168.122.10"))
        #expect(arp.targetAddress == ip("192.168.122.1"))
        #expect(packet.ip == nil)
    }

    @Test func vlanTagsOuterFirst() {
        #expect(SampleFrames.dnsQueryOnVLAN.decode().ethernet?.vlanTags == [42])
        #expect(SampleFrames.tcpSynInQinQ.decode().ethernet?.vlanTags == [100, 200])
        #expect(SampleFrames.echoRequestOldQinQ.decode().ethernet?.vlanTags == [7])
        #expect(SampleFrames.tcpSynInQinQ.decode().ethernet?.etherType == 0x0800)
    }

    @Test func dnsQueryOverUDP() throws {
        let packet = SampleFrames.dnsQueryOnVLAN.decode()
        #expect(packet.issue == nil)
        #expect(packet.ip?.protocolNumber == 17)
        #expect(packet.transport == .udp(UDPHeader(sourcePort: 40000, destinationPort: 53, length: 8 + 12 + 13 + 4)))
        #expect(packet.application == .dns(DNSMessage(id: 0xbeef, isResponse: false, opcode: 0, responseCode: 0,
                                                      questionName: "gateway.lab", answerCount: 0)))
    }

    @Test func tcpSynWithOptions() throws {
        let packet = SampleFrames.tcpSynInQinQ.decode()
        #expect(packet.issue == nil)
        let header = try #require(packet.ip)
        #expect(header.destination == ip("203.0.113.7"))
        #expect(header.dontFragment)
        #expect(header.fragment == nil)
        #expect(header.totalLength == 20 + 28)
        #expect(packet.transport == .tcp(TCPHeader(sourcePort: 51000, destinationPort: 443, sequence: 0x0102_0304,
                                                   acknowledgement: 0, flags: .syn, payloadLength: 0)))
        #expect(packet.application == nil)
    }

    @Test func icmpEcho() {
        let packet = SampleFrames.echoRequestOldQinQ.decode()
        #expect(packet.issue == nil)
        #expect(packet.transport == .icmp(ICMPMessage(type: 8, code: 0, echo: .init(identifier: 0x77, sequence: 3))))
    }

    @Test func dhcpDiscoverBehindIPv4Options() throws {
        let packet = SampleFrames.dhcpDiscover.decode()
        #expect(packet.issue == nil)
        #expect(packet.ip?.source == ip("0.0.0.0"))
        #expect(packet.transport == .udp(UDPHeader(sourcePort: 68, destinationPort: 67, length: 8 + 240 + 9 + 20)))
        guard case .dhcp(let message) = packet.application else { Issue.record("no DHCP"); return }
        #expect(message.op == 1)
        #expect(message.transactionID == 0xdead_beef)
        #expect(message.clientMAC == SampleFrames.guestMAC)
        #expect(message.messageType == 1)
    }

    @Test func dhcpOffer() {
        guard case .dhcp(let message) = SampleFrames.dhcpOffer.decode().application else { Issue.record("no DHCP"); return }
        #expect(message.op == 2)
        #expect(message.messageType == 2)
        #expect(message.yourAddress == ip("192.168.122.50"))
    }

    @Test func firstFragmentCarriesTransportButNoApplication() throws {
        let packet = SampleFrames.firstFragment.decode()
        #expect(packet.issue == nil)
        #expect(packet.ip?.fragment == IPHeader.Fragment(identification: 0x4242, offset: 0, moreFragments: true))
        #expect(packet.transport == .udp(UDPHeader(sourcePort: 5000, destinationPort: 53, length: 2008)))
        #expect(packet.application == nil)
    }

    @Test func laterFragmentHasNoTransport() {
        let packet = SampleFrames.laterFragment.decode()
        #expect(packet.issue == nil)
        #expect(packet.ip?.fragment == IPHeader.Fragment(identification: 0x4242, offset: 1480, moreFragments: false))
        #expect(packet.ip?.protocolNumber == 17)
        #expect(packet.transport == nil)
    }

    @Test func fragmentationNeededQuotesTheFlow() {
        let packet = SampleFrames.fragmentationNeeded.decode()
        #expect(packet.issue == nil)
        #expect(packet.transport == .icmp(ICMPMessage(
            type: 3, code: 4, mtu: 1400,
            quoted: QuotedPacket(source: ip("192.168.122.10")!, destination: ip("203.0.113.7")!, protocolNumber: 6,
                                 sourcePort: 51000, destinationPort: 443))))
    }

    @Test func timeExceededAndPortUnreachable() {
        guard case .icmp(let exceeded) = SampleFrames.timeExceeded.decode().transport else { Issue.record("no ICMP"); return }
        #expect(exceeded.type == 11)
        #expect(exceeded.mtu == nil)
        #expect(exceeded.quoted?.destination == ip("198.51.100.9"))
        #expect(exceeded.quoted?.destinationPort == 33435)
        guard case .icmp(let unreachable) = SampleFrames.portUnreachableForDNS.decode().transport else {
            Issue.record("no ICMP"); return
        }
        #expect(unreachable.code == 3)
        #expect(unreachable.mtu == nil)
        #expect(unreachable.quoted == QuotedPacket(source: ip("192.168.122.10")!, destination: ip("192.168.122.1")!,
                                                   protocolNumber: 17, sourcePort: 40001, destinationPort: 53))
    }

    @Test func ipv6ExtensionHeadersToDHCPv6() {
        let packet = SampleFrames.dhcpv6SolicitBehindExtensions.decode()
        #expect(packet.issue == nil)
        #expect(packet.ip?.protocolNumber == 17)
        #expect(packet.ip?.totalLength == 40 + 16 + 16 + 24 + 8 + 10)
        #expect(packet.ip?.family == .ipv6)
        #expect(packet.application == .dhcpv6(DHCPv6Message(messageType: 1, transactionID: 0xabcdef)))
    }

    @Test func ipv6AtomicFragmentAndAH() {
        let packet = SampleFrames.tcpBehindFragmentAndAH.decode()
        #expect(packet.issue == nil)
        #expect(packet.ip?.fragment == IPHeader.Fragment(identification: 99, offset: 0, moreFragments: false))
        #expect(packet.ip?.protocolNumber == 6)
        guard case .tcp(let tcp) = packet.transport else { Issue.record("no TCP"); return }
        #expect(tcp.flags == [.syn, .ack])
        #expect(tcp.destinationPort == 22)
    }

    @Test func icmpv6EchoAndErrors() {
        #expect(SampleFrames.echoV6.decode().transport
                == .icmpv6(ICMPMessage(type: 128, code: 0, echo: .init(identifier: 0x1234, sequence: 9))))
        #expect(SampleFrames.packetTooBig.decode().transport == .icmpv6(ICMPMessage(
            type: 2, code: 0, mtu: 1280,
            quoted: QuotedPacket(source: ip("fd00:122::10")!, destination: ip("2001:db8::443")!, protocolNumber: 17,
                                 sourcePort: 5353, destinationPort: 443))))
        #expect(SampleFrames.unreachableV6QuotingFragment.decode().transport == .icmpv6(ICMPMessage(
            type: 1, code: 4,
            quoted: QuotedPacket(source: ip("fd00:122::10")!, destination: ip("2001:db8::80")!, protocolNumber: 6,
                                 sourcePort: 40002, destinationPort: 8080))))
    }

    @Test func neighbourDiscovery() {
        #expect(SampleFrames.neighborSolicitation.decode().transport
                == .icmpv6(ICMPMessage(type: 135, code: 0, neighborTarget: ip("fd00:122::1"))))
        #expect(SampleFrames.neighborAdvertisement.decode().transport
                == .icmpv6(ICMPMessage(type: 136, code: 0, neighborTarget: ip("fd00:122::1"))))
        #expect(SampleFrames.routerSolicitation.decode().transport == .icmpv6(ICMPMessage(type: 133, code: 0)))
        #expect(SampleFrames.neighborSolicitation.decode().ip?.hopLimit == 255)
    }

    @Test func dnsOverTCPWithCompressionPointer() {
        let packet = SampleFrames.dnsAnswerOverTCP.decode()
        #expect(packet.issue == nil)
        guard case .tcp(let tcp) = packet.transport else { Issue.record("no TCP"); return }
        #expect(tcp.payloadLength == 2 + 12 + 6 + 4)
        #expect(tcp.flags == [.psh, .ack])
        #expect(packet.application == .dns(DNSMessage(id: 0x4321, isResponse: true, opcode: 0, responseCode: 3,
                                                      questionName: "www.a", answerCount: 0)))
    }

    @Test func linuxCookedAndRaw() throws {
        let v1 = SampleFrames.cookedV1UDP.decode()
        #expect(v1.issue == nil)
        #expect(v1.ethernet == nil)
        let cooked = try #require(v1.linuxCooked)
        #expect(cooked.isOutgoing)
        #expect(cooked.sourceMAC?.description == SampleFrames.guestMAC)
        #expect(v1.sourceMAC == cooked.sourceMAC)
        #expect(v1.transport == .udp(UDPHeader(sourcePort: 1234, destinationPort: 5678, length: 11)))

        let v2 = SampleFrames.cookedV2EchoV6.decode()
        #expect(v2.issue == nil)
        #expect(v2.linuxCooked?.interfaceIndex == 7)
        #expect(v2.linuxCooked?.etherType == 0x86dd)
        #expect(v2.transport == .icmpv6(ICMPMessage(type: 129, code: 0, echo: .init(identifier: 1, sequence: 2))))

        let raw4 = SampleFrames.rawIPv4TCP.decode()
        #expect(raw4.ethernet == nil && raw4.linuxCooked == nil)
        guard case .tcp(let tcp) = raw4.transport else { Issue.record("no TCP"); return }
        #expect(tcp.flags == [.fin, .ack])
        #expect(SampleFrames.rawIPv6UDP.decode().transport == .udp(UDPHeader(sourcePort: 3, destinationPort: 4, length: 9)))
    }

    @Test func ethernetPaddingIsNotPayload() {
        // A 60-byte minimum frame: the IP total length, not the frame, bounds the UDP datagram.
        var frame = Build.ethernet(Build.ipv4(Build.udp(.data([]), sourcePort: 7, destinationPort: 9), protocolNumber: 17),
                                   type: 0x0800)
        frame.bytes += [UInt8](repeating: 0xee, count: 60 - frame.bytes.count)
        let packet = frame.decode()
        #expect(packet.issue == nil)
        #expect(packet.ip?.totalLength == 28)
    }

    @Test func tsoZeroTotalLengthReadsTheCapture() {
        let frame = SampleFrames.rawIPv4TCP.patched(2, 0).patched(3, 0)
        let packet = frame.decode()
        #expect(packet.issue == nil)
        #expect(packet.ip?.totalLength == 40)
    }

    @Test func sliceAndBufferEntriesAgree() {
        for (name, frame) in SampleFrames.all {
            let whole = frame.decode()
            let slice = PacketDecoder.decode(([0xff] + frame.bytes)[1...], linkType: frame.linkType)
            let buffer = frame.bytes.withUnsafeBytes { PacketDecoder.decode($0, linkTypeNumber: frame.linkType.rawValue) }
            #expect(slice == whole, "\(name)")
            #expect(buffer == whole, "\(name)")
        }
        let unknown = [UInt8](repeating: 0, count: 4).withUnsafeBytes { PacketDecoder.decode($0, linkTypeNumber: 105) }
        #expect(unknown.issue == .unsupported(layer: .link, what: "link type 105"))
    }

    @Test func macAddressText() {
        #expect(MACAddress("52:54:00:AA:00:01")?.description == "52:54:00:aa:00:01")
        #expect(MACAddress("52-54-00-aa-00-01") == MACAddress(value: 0x5254_00aa_0001))
        #expect(MACAddress("52:54:00:aa:00") == nil)
        #expect(MACAddress("52:54:00:aa:00:0g") == nil)
        #expect(MACAddress.broadcast.isMulticast)
        #expect(EthernetHeader(source: "52:54:00:aa:00:01", destination: "ff:ff:ff:ff:ff:ff", etherType: 0x0800)
                .destinationMAC == .broadcast)
    }
}
