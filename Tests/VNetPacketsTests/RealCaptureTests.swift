import Testing
import VNetModel
import VNetPackets

/// Frames captured in throwaway namespaces (Fixtures/capture-fixtures.sh): a client pinging and
/// querying through a router with a 1280-byte MTU link, a DHCP exchange with dnsmasq, recorded at once as
/// Ethernet, as `-i any` (SLL2 and SLL), and with a 64-byte snap length.
@Suite struct RealCaptureTests {
    static let client = ip("192.0.2.10")
    static let router = ip("192.0.2.1")
    static let server = ip("198.51.100.53")
    static let clientMAC = "02:00:00:00:0a:01"

    func icmp(_ packet: DecodedPacket) -> ICMPMessage? {
        switch packet.transport {
        case .icmp(let message), .icmpv6(let message): message
        default: nil
        }
    }

    @Test func ethernetCaptureDecodesCleanly() throws {
        let file = try PcapFile(fixture: "client-ethernet")
        #expect(file.linkType == .ethernet)
        let packets = file.decoded()
        var tally = DecodeTally()
        packets.forEach { tally.record($0) }
        #expect(tally.frames == file.records.count)
        #expect(tally.clean == tally.frames, "\(tally.summary)")

        let arp = try #require(packets.compactMap(\.arp).first { $0.operation == 1 && $0.targetAddress == Self.router })
        #expect(arp.senderMAC == Self.clientMAC)
        #expect(arp.senderAddress == Self.client)
        #expect(packets.compactMap(\.arp).contains { $0.operation == 2 && $0.senderMAC == "02:00:00:00:0a:02" })

        let request = try #require(packets.first { icmp($0)?.type == 8 && $0.ip?.destination == Self.server })
        let reply = try #require(packets.first { icmp($0)?.type == 0 && $0.ip?.source == Self.server })
        #expect(icmp(request)?.echo == icmp(reply)?.echo)
        #expect(request.ethernet?.source == Self.clientMAC)

        let fragNeeded = try #require(packets.compactMap { icmp($0) }.first { $0.type == 3 && $0.code == 4 })
        #expect(fragNeeded.mtu == 1280)
        #expect(fragNeeded.quoted?.source == Self.client)
        #expect(fragNeeded.quoted?.destination == Self.server)
        #expect(fragNeeded.quoted?.protocolNumber == 1)

        let tooBig = try #require(packets.first { $0.ip?.family == .ipv6 && icmp($0)?.type == 2 })
        #expect(icmp(tooBig)?.mtu == 1280)
        #expect(icmp(tooBig)?.quoted?.destination == ip("2001:db8:2::53"))
        #expect(icmp(tooBig)?.quoted?.protocolNumber == 58)

        let fragments = packets.compactMap { $0.ip?.fragment }
        #expect(fragments.contains { $0.offset == 0 && $0.moreFragments })
        #expect(fragments.contains { $0.offset == 1480 && !$0.moreFragments })
        #expect(packets.contains { $0.ip?.fragment?.offset == 1480 && $0.transport == nil })

        let exceeded = try #require(packets.compactMap { icmp($0) }.first { $0.type == 11 })
        #expect(exceeded.quoted?.destination == Self.server)

        let portUnreachable = try #require(packets.compactMap { icmp($0) }.first { $0.type == 3 && $0.code == 3 })
        #expect(portUnreachable.quoted?.protocolNumber == 17)
        #expect(portUnreachable.quoted?.destinationPort == 9)

        let dns = packets.compactMap { packet -> (DNSMessage, Transport?)? in
            guard case .dns(let message) = packet.application else { return nil }
            return (message, packet.transport)
        }
        let udpQuery = try #require(dns.first { $0.0.questionName == "gateway.lab" && !$0.0.isResponse })
        #expect(udpQuery.0.id == 0x1234)
        #expect(dns.contains { $0.0.id == 0x1234 && $0.0.isResponse && $0.0.responseCode == 3 })
        let tcpAnswer = try #require(dns.first { $0.0.questionName == "tcp.gateway.lab" && $0.0.isResponse })
        #expect(tcpAnswer.0.id == 0x4321)
        guard case .tcp(let segment) = tcpAnswer.1 else { Issue.record("DNS answer not over TCP"); return }
        #expect(segment.sourcePort == 53)
        #expect(segment.flags.contains(.psh))
        #expect(packets.contains {
            guard case .tcp(let tcp) = $0.transport else { return false }
            return tcp.flags == .syn && tcp.destinationPort == 53
        })

        let dhcp = packets.compactMap { packet -> DHCPMessage? in
            guard case .dhcp(let message) = packet.application else { return nil }
            return message
        }
        let discover = try #require(dhcp.first { $0.messageType == 1 })
        #expect(discover.transactionID == 0xdead_beef)
        #expect(discover.clientMAC == Self.clientMAC)
        let offer = try #require(dhcp.first { $0.messageType == 2 })
        #expect(offer.transactionID == 0xdead_beef)
        #expect(offer.op == 2)
        let offered = try #require(ip("192.0.2.100")).low...(try #require(ip("192.0.2.150")).low)
        #expect(offered.contains(offer.yourAddress.low))

        let targets = packets.compactMap { packet in icmp(packet).flatMap { $0.type == 135 || $0.type == 136 ? $0 : nil } }
        #expect(targets.contains { $0.type == 135 && $0.neighborTarget == ip("2001:db8:1::1") })
        #expect(targets.contains { $0.type == 136 && $0.neighborTarget == ip("2001:db8:1::1") })
        // MLD reports sit behind a hop-by-hop header.
        #expect(packets.contains { $0.ip?.destination == ip("ff02::16") && icmp($0)?.type == 143 })
    }

    @Test(arguments: ["client-any-sll2", "client-any-sll"])
    func cookedCapturesMatchTheEthernetOne(name: String) throws {
        let cooked = try PcapFile(fixture: name)
        #expect(cooked.linkType == (name.hasSuffix("sll2") ? .linuxCooked2 : .linuxCooked))
        let ethernet = try PcapFile(fixture: "client-ethernet").decoded()
        let packets = cooked.decoded()
        #expect(packets.count == ethernet.count)
        for (packet, reference) in zip(packets, ethernet) {
            #expect(packet.issue == nil)
            #expect(packet.ethernet == nil)
            #expect(packet.arp == reference.arp)
            #expect(packet.ip == reference.ip)
            #expect(packet.transport == reference.transport)
            #expect(packet.application == reference.application)
            let header = try #require(packet.linuxCooked)
            #expect(header.sourceMAC == reference.ethernet?.sourceMAC)
            #expect(header.isOutgoing == (reference.ethernet?.source == Self.clientMAC))
            #expect((header.interfaceIndex != nil) == (cooked.linkType == .linuxCooked2))
        }
    }

    /// Every real frame cut at every length: never malformed; either truncated with every part decoded
    /// so far equal to the whole frame's, or (past what the decoders read) the whole frame's decode.
    @Test(arguments: ["client-ethernet", "client-any-sll2", "client-any-sll"])
    func everyCutOfEveryRealFrame(name: String) throws {
        let file = try PcapFile(fixture: name)
        var cuts = 0
        for record in file.records {
            let whole = PacketDecoder.decode(record.bytes, linkType: file.linkType)
            var truncatedBefore = true
            for length in 0..<record.bytes.count {
                let cut = PacketDecoder.decode(record.bytes[..<length], linkType: file.linkType)
                cuts += 1
                guard case .truncated = cut.issue else {
                    #expect(cut == whole, "\(name) frame of \(record.bytes.count) cut at \(length)")
                    truncatedBefore = false
                    continue
                }
                // Once the cut is past everything read, a longer cut cannot be truncated again.
                #expect(truncatedBefore, "\(name) frame of \(record.bytes.count) cut at \(length)")
                #expect(cut.ethernet == nil || cut.ethernet == whole.ethernet)
                #expect(cut.linuxCooked == nil || cut.linuxCooked == whole.linuxCooked)
                #expect(cut.arp == nil || cut.arp == whole.arp)
                #expect(cut.ip == nil || cut.ip == whole.ip)
                #expect(cut.transport == nil || cut.transport == whole.transport)
                #expect(cut.application == nil)
            }
        }
        #expect(cuts > 10_000)
    }

    @Test func snapLengthCutsAreTruncated() throws {
        let snapped = try PcapFile(fixture: "client-snap64")
        let full = try PcapFile(fixture: "client-ethernet")
        #expect(snapped.snapLength == 64)
        #expect(snapped.records.count == full.records.count)
        var tally = DecodeTally()
        for (record, whole) in zip(snapped.records, full.records) {
            let packet = PacketDecoder.decode(record.bytes, linkType: snapped.linkType)
            tally.record(packet)
            #expect(record.originalLength == whole.bytes.count)
            #expect(packet == PacketDecoder.decode(whole.bytes.prefix(64), linkType: .ethernet))
            if case .malformed = packet.issue { Issue.record("snap length made \(String(describing: packet.issue))") }
        }
        // TCP with timestamps needs 66 bytes; the DNS names, DHCP and the NS/NA targets do not fit either.
        #expect(tally.count(.truncated, at: .tcp) == 10)
        #expect(tally.count(.truncated, at: .dns) == 2)
        #expect(tally.count(.truncated, at: .dhcp) == 2)
        #expect(tally.count(.truncated, at: .icmpv6) > 0)
        #expect(tally.summary.contains("truncated (snap length:"))
    }
}
