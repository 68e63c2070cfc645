import Testing
import VNetPackets

/// Fields that contradict each other are `.malformed` at their layer, whatever the capture kept;
/// protocols the decoders do not read are `.unsupported`. The layers before stay decoded.
@Suite struct MalformedTests {
    /// Offsets in SampleFrames.tcpSynInQinQ: Ethernet 14 + two tags 8, then IPv4 at 22, TCP at 42.
    @Test func ipv4HeaderLengthBelowFive() {
        let packet = SampleFrames.tcpSynInQinQ.patched(22, 0x44).decode()
        #expect(packet.issue == .malformed(layer: .ipv4, reason: "IHL below 5"))
        #expect(packet.issue?.description == "ipv4 malformed: IHL below 5")
        #expect(packet.ethernet?.vlanTags == [100, 200])
        #expect(packet.ip == nil)
    }

    @Test func ipv4VersionAndLengths() {
        #expect(SampleFrames.tcpSynInQinQ.patched(22, 0x55).decode().issue
                == .malformed(layer: .ipv4, reason: "version is not 4"))
        // Total length 16 < header 20.
        #expect(SampleFrames.tcpSynInQinQ.patched(24, 0).patched(25, 16).decode().issue
                == .malformed(layer: .ipv4, reason: "total length shorter than the header"))
        // Total length 30: the TCP header runs past it.
        let short = SampleFrames.tcpSynInQinQ.patched(24, 0).patched(25, 30).decode()
        #expect(short.issue?.layer == .tcp)
        guard case .malformed = short.issue else { Issue.record("expected malformed, got \(String(describing: short.issue))"); return }
        #expect(short.ip?.totalLength == 30)
    }

    @Test func ipv6VersionMismatch() {
        // EtherType 0x86dd, version nibble 4.
        let packet = SampleFrames.echoV6.patched(14, 0x45).decode()
        #expect(packet.issue == .malformed(layer: .ipv6, reason: "version is not 6"))
        #expect(packet.ethernet != nil)
        #expect(SampleFrames.rawIPv4TCP.patched(0, 0x75).decode().issue
                == .malformed(layer: .link, reason: "raw IP packet of version neither 4 nor 6"))
    }

    @Test func tcpDataOffset() {
        // TCP byte 12 (offset 42 + 12 = 54): data offset 4.
        #expect(SampleFrames.tcpSynInQinQ.patched(54, 0x40).decode().issue
                == .malformed(layer: .tcp, reason: "data offset below 5"))
        #expect(SampleFrames.tcpSynInQinQ.patched(54, 0xf0).decode().issue
                == .malformed(layer: .tcp, reason: "data offset runs past the segment"))
    }

    @Test func udpLengths() {
        // UDP at 14 + 4 + 20 = 38 in dnsQueryOnVLAN; its length field at 42.
        let below = SampleFrames.dnsQueryOnVLAN.patched(42, 0).patched(43, 7).decode()
        #expect(below.issue == .malformed(layer: .udp, reason: "length below 8"))
        #expect(below.ip != nil)
        #expect(SampleFrames.dnsQueryOnVLAN.patched(42, 1).decode().issue
                == .malformed(layer: .udp, reason: "length exceeds the IP payload"))
    }

    @Test func dnsPointerLoop() {
        // The question name (at 12 in the message) is a pointer to itself.
        let frame = Build.ethernet(Build.ipv4(Build.udp(Build.dns(id: 1, flags: 0, question: [0xc0, 12]),
                                                        sourcePort: 5000, destinationPort: 53), protocolNumber: 17),
                                   type: 0x0800)
        let packet = frame.decode()
        #expect(packet.issue == .malformed(layer: .dns, reason: "compression pointer does not point backwards (loop)"))
        #expect(packet.transport != nil)
        #expect(packet.application == nil)
    }

    @Test func dnsNamesOutOfBounds() {
        func decodeName(_ question: [UInt8]) -> DecodeIssue? {
            Build.raw(Build.ipv4(Build.udp(Build.dns(id: 1, flags: 0, question: question), sourcePort: 53,
                                           destinationPort: 5000), protocolNumber: 17)).decode().issue
        }
        #expect(decodeName([0x40, 1]) == .malformed(layer: .dns, reason: "unknown label type"))
        let label: [UInt8] = [60] + [UInt8](repeating: 0x61, count: 60)
        let long: [UInt8] = label + label + label + label + label + [0]
        #expect(decodeName(long) == .malformed(layer: .dns, reason: "name longer than 255 bytes"))
        // A label longer than the message.
        guard case .malformed(.dns, _) = decodeName([50, 0x61]) else { Issue.record("label past the end"); return }
    }

    @Test func dhcpOptionRunningPastTheEnd() {
        let frame = Build.ethernet(Build.ipv4(Build.udp(Build.dhcp(op: 1, transactionID: 1, clientMAC: "52:54:00:aa:00:01",
                                                                   options: [53, 1, 1, 12, 200, 0x61]),
                                                        sourcePort: 68, destinationPort: 67), protocolNumber: 17),
                                   type: 0x0800)
        let packet = frame.decode()
        #expect(packet.issue == .malformed(layer: .dhcp, reason: "option runs past the end of the message"))
        #expect(packet.transport != nil)
    }

    @Test func dhcpWithoutCookieIsBOOTP() {
        var frame = Build.dhcp(op: 1, transactionID: 9, clientMAC: "52:54:00:aa:00:01", options: [])
        frame.bytes.removeLast(4)
        let packet = Build.raw(Build.ipv4(Build.udp(BuiltFrame.data(frame.bytes), sourcePort: 68, destinationPort: 67),
                                          protocolNumber: 17)).decode()
        #expect(packet.issue == nil)
        guard case .dhcp(let message) = packet.application else { Issue.record("no DHCP"); return }
        #expect(message.messageType == nil)
        #expect(message.transactionID == 9)
    }

    @Test func arpAndQuotes() {
        // ARP hardware length at 14 + 4.
        #expect(SampleFrames.arpRequest.patched(18, 8).decode().issue
                == .malformed(layer: .arp, reason: "Ethernet/IPv4 ARP with address lengths other than 6 and 4"))
        #expect(SampleFrames.arpRequest.patched(15, 6).decode().issue
                == .unsupported(layer: .arp, what: "ARP for hardware 6, protocol 0x800"))
        // The quoted header of the frag-needed error (ICMP at 34, quote at 42).
        #expect(SampleFrames.fragmentationNeeded.patched(42, 0x65).decode().issue
                == .malformed(layer: .icmp, reason: "quoted packet is not IPv4"))
        #expect(SampleFrames.fragmentationNeeded.patched(42, 0x43).decode().issue
                == .malformed(layer: .icmp, reason: "quoted header's IHL below 5"))
    }

    @Test func unsupportedProtocols() {
        let lldp = Build.ethernet(.data([UInt8](repeating: 0, count: 40)), type: 0x88cc).decode()
        #expect(lldp.issue == .unsupported(layer: .ethernet, what: "EtherType 0x88cc"))
        #expect(lldp.ethernet?.etherType == 0x88cc)
        let llc = Build.ethernet(.data([0x42, 0x42, 3]), type: 38).decode()
        #expect(llc.issue == .unsupported(layer: .ethernet, what: "802.3 length field (LLC frame)"))
        let gre = Build.raw(Build.ipv4(.data([0, 0, 0x65, 0x58]), protocolNumber: 47)).decode()
        #expect(gre.issue == .unsupported(layer: .ipv4, what: "IP protocol 47"))
        #expect(gre.ip?.protocolNumber == 47)
        let esp = Build.raw(Build.ipv6(.data([UInt8](repeating: 1, count: 16)), next: 50, extensions: [.hopByHop])).decode()
        #expect(esp.issue == .unsupported(layer: .ipv6Extension, what: "ESP (encrypted payload)"))
        #expect(esp.ip?.protocolNumber == 50)
        let nothing = Build.raw(Build.ipv6(.data([]), next: 59, extensions: [.destinationOptions])).decode()
        #expect(nothing.issue == nil)
        #expect(nothing.ip?.protocolNumber == 59)
        #expect(Build.raw(Build.ipv6(.data([8, 0, 0, 0]), next: 1)).decode().issue
                == .unsupported(layer: .ipv6, what: "IP protocol 1"))
    }
}
