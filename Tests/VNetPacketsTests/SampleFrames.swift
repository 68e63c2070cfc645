import VNetPackets

/// The hand-built frames: one per protocol feature, shared by the field, truncation and fuzz tests.
enum SampleFrames {
    static let guestMAC = "52:54:00:aa:00:01"
    static let hostMAC = "52:54:00:bb:00:02"

    static let arpRequest = Build.ethernet(
        Build.arp(operation: 1, senderMAC: guestMAC, sender: "192.168.122.10", targetMAC: "00:00:00:00:00:00",
                  target: "192.168.122.1"), type: 0x0806, destination: "ff:ff:ff:ff:ff:ff")

    static let dnsQueryOnVLAN = Build.ethernet(
        Build.ipv4(Build.udp(Build.dns(id: 0xbeef, flags: 0x0100, question: Build.name("gateway.lab")),
                             sourcePort: 40000, destinationPort: 53), protocolNumber: 17),
        type: 0x0800, tags: [(0x8100, 42)])

    static let tcpSynInQinQ = Build.ethernet(
        Build.ipv4(Build.tcp(sourcePort: 51000, destinationPort: 443, sequence: 0x0102_0304, flags: 0x02,
                             options: [2, 4, 0x05, 0xb4, 1, 1, 4, 2]),
                   protocolNumber: 6, destination: "203.0.113.7", dontFragment: true),
        type: 0x0800, tags: [(0x88a8, 100), (0x8100, 200)])

    static let echoRequestOldQinQ = Build.ethernet(
        Build.ipv4(Build.icmp(type: 8, code: 0, rest: be16(0x77) + be16(3), data: [UInt8](repeating: 0x61, count: 32)),
                   protocolNumber: 1, destination: "8.8.8.8"),
        type: 0x0800, tags: [(0x9100, 7)])

    /// IPv4 with a 4-byte option (router alert), DHCP discover, padding after the end option.
    static let dhcpDiscover = Build.ethernet(
        Build.ipv4(Build.udp(Build.dhcp(op: 1, transactionID: 0xdead_beef, clientMAC: guestMAC,
                                        options: [0, 53, 1, 1, 55, 2, 1, 3, 255], padding: 20),
                             sourcePort: 68, destinationPort: 67),
                   protocolNumber: 17, source: "0.0.0.0", destination: "255.255.255.255", options: [0x94, 4, 0, 0]),
        type: 0x0800, destination: "ff:ff:ff:ff:ff:ff")

    static let dhcpOffer = Build.ethernet(
        Build.ipv4(Build.udp(Build.dhcp(op: 2, transactionID: 0xdead_beef, clientMAC: guestMAC,
                                        yourAddress: "192.168.122.50", options: [53, 1, 2, 54, 4, 192, 168, 122, 1, 255]),
                             sourcePort: 67, destinationPort: 68),
                   protocolNumber: 17, source: "192.168.122.1", destination: "192.168.122.50"),
        type: 0x0800, source: hostMAC, destination: guestMAC)

    /// The first fragment of a large UDP datagram: its UDP length counts more than this fragment holds.
    static let firstFragment: BuiltFrame = {
        let datagram = Build.udp(.data([UInt8](repeating: 7, count: 2000)), sourcePort: 5000, destinationPort: 53)
        let cut = BuiltFrame(bytes: Array(datagram.bytes.prefix(1480)), spans: datagram.spans)
        return Build.ethernet(Build.ipv4(cut, protocolNumber: 17, identification: 0x4242, moreFragments: true),
                              type: 0x0800)
    }()

    static let laterFragment = Build.ethernet(
        Build.ipv4(.data([UInt8](repeating: 7, count: 528)), protocolNumber: 17, identification: 0x4242, fragmentOffset: 1480),
        type: 0x0800)

    /// A quoted IPv4/TCP packet: header plus the first 8 bytes of TCP.
    static let quotedTCP = Array(Build.ipv4(Build.tcp(sourcePort: 51000, destinationPort: 443), protocolNumber: 6,
                                            destination: "203.0.113.7", dontFragment: true).bytes.prefix(28))

    static let fragmentationNeeded = Build.ethernet(
        Build.ipv4(Build.icmp(type: 3, code: 4, rest: [0, 0] + be16(1400), quote: quotedTCP, quoteRead: 24),
                   protocolNumber: 1, source: "192.168.122.1", destination: "192.168.122.10"),
        type: 0x0800)

    static let timeExceeded = Build.ethernet(
        Build.ipv4(Build.icmp(type: 11, code: 0, rest: [0, 0, 0, 0],
                              quote: Array(Build.ipv4(Build.udp(.data([1, 2, 3, 4, 5, 6, 7, 8]), sourcePort: 33434,
                                                                destinationPort: 33435),
                                                      protocolNumber: 17, destination: "198.51.100.9", ttl: 1)
                                .bytes.prefix(28)), quoteRead: 24),
                   protocolNumber: 1, source: "10.0.0.1", destination: "192.168.122.10"),
        type: 0x0800)

    static let portUnreachableForDNS = Build.ethernet(
        Build.ipv4(Build.icmp(type: 3, code: 3, rest: [0, 0, 0, 0],
                              quote: Build.ipv4(Build.udp(Build.dns(id: 1, flags: 0x0100, question: Build.name("a.lab")),
                                                          sourcePort: 40001, destinationPort: 53),
                                                protocolNumber: 17, destination: "192.168.122.1").bytes, quoteRead: 24),
                   protocolNumber: 1, source: "192.168.122.1", destination: "192.168.122.10"),
        type: 0x0800)

    static let dhcpv6SolicitBehindExtensions = Build.ethernet(
        Build.ipv6(Build.udp(Build.dhcpv6(type: 1, transactionID: 0xabcdef, options: [0, 8, 0, 2, 0, 0]),
                             sourcePort: 546, destinationPort: 547),
                   next: 17, source: "fe80::5054:ff:feaa:1", destination: "ff02::1:2",
                   extensions: [.hopByHop, .destinationOptions, .routing]),
        type: 0x86dd, destination: "33:33:00:01:00:02")

    static let tcpBehindFragmentAndAH = Build.ethernet(
        Build.ipv6(Build.tcp(sourcePort: 40000, destinationPort: 22, flags: 0x12),
                   next: 6, extensions: [.fragment(offset: 0, more: false, identification: 99), .authentication]),
        type: 0x86dd)

    static let echoV6 = Build.ethernet(
        Build.ipv6(Build.icmpv6(type: 128, code: 0, rest: be16(0x1234) + be16(9), data: [1, 2, 3, 4]),
                   next: 58, destination: "2001:db8::1"),
        type: 0x86dd)

    /// A packet too big quoting an IPv6/UDP packet.
    static let packetTooBig = Build.ethernet(
        Build.ipv6(Build.icmpv6(type: 2, code: 0, rest: be32(1280),
                                quote: Build.ipv6(Build.udp(.data([UInt8](repeating: 0, count: 40)), sourcePort: 5353,
                                                            destinationPort: 443),
                                                  next: 17, destination: "2001:db8::443").bytes,
                                quoteRead: 44),
                   next: 58, source: "2001:db8::fe", destination: "fd00:122::10"),
        type: 0x86dd)

    /// Unreachable quoting an IPv6 packet whose TCP header is behind a fragment header.
    static let unreachableV6QuotingFragment = Build.ethernet(
        Build.ipv6(Build.icmpv6(type: 1, code: 4, rest: [0, 0, 0, 0],
                                quote: Build.ipv6(Build.tcp(sourcePort: 40002, destinationPort: 8080), next: 6,
                                                  destination: "2001:db8::80",
                                                  extensions: [.fragment(offset: 0, more: true, identification: 5)]).bytes,
                                quoteRead: 52),
                   next: 58, source: "fd00:122::1", destination: "fd00:122::10"),
        type: 0x86dd)

    static let neighborSolicitation = Build.ethernet(
        Build.ipv6(Build.icmpv6(type: 135, code: 0, rest: [0, 0, 0, 0] + address("fd00:122::1"),
                                quoteRead: 16, data: [1, 1] + mac(guestMAC)),
                   next: 58, destination: "ff02::1:ff00:1", hopLimit: 255),
        type: 0x86dd, destination: "33:33:ff:00:00:01")

    static let neighborAdvertisement = Build.ethernet(
        Build.ipv6(Build.icmpv6(type: 136, code: 0, rest: [0x60, 0, 0, 0] + address("fd00:122::1"), quoteRead: 16),
                   next: 58, source: "fd00:122::1", destination: "fd00:122::10", hopLimit: 255),
        type: 0x86dd, source: hostMAC, destination: guestMAC)

    static let routerSolicitation = Build.ethernet(
        Build.ipv6(Build.icmpv6(type: 133, code: 0, rest: [0, 0, 0, 0]), next: 58, destination: "ff02::2", hopLimit: 255),
        type: 0x86dd)

    /// An NXDOMAIN answer over TCP whose question name ends in a compression pointer into the header
    /// (offset 8: the authority count 0x0161 reads as the label "a", then the 0 of the additional count).
    static let dnsAnswerOverTCP = Build.ethernet(
        Build.ipv4(Build.tcp(Build.dnsOverTCP(Build.dns(id: 0x4321, flags: 0x8183, question: [3, 0x77, 0x77, 0x77, 0xc0, 8],
                                                        authorityCount: 0x0161)),
                             sourcePort: 53, destinationPort: 40010, flags: 0x18),
                   protocolNumber: 6, source: "192.168.122.1"),
        type: 0x0800)

    static let cookedV1UDP = Build.cookedV1(
        Build.ipv4(Build.udp(.data([9, 9, 9]), sourcePort: 1234, destinationPort: 5678), protocolNumber: 17), type: 0x0800)

    static let cookedV2EchoV6 = Build.cookedV2(
        Build.ipv6(Build.icmpv6(type: 129, code: 0, rest: be16(1) + be16(2)), next: 58), type: 0x86dd, packetType: 4)

    static let rawIPv4TCP = Build.raw(Build.ipv4(Build.tcp(sourcePort: 1, destinationPort: 2, flags: 0x11), protocolNumber: 6))

    static let rawIPv6UDP = Build.raw(Build.ipv6(Build.udp(.data([0]), sourcePort: 3, destinationPort: 4), next: 17))

    static let all: [String: BuiltFrame] = [
        "arpRequest": arpRequest, "dnsQueryOnVLAN": dnsQueryOnVLAN, "tcpSynInQinQ": tcpSynInQinQ,
        "echoRequestOldQinQ": echoRequestOldQinQ, "dhcpDiscover": dhcpDiscover, "dhcpOffer": dhcpOffer,
        "firstFragment": firstFragment, "laterFragment": laterFragment, "fragmentationNeeded": fragmentationNeeded,
        "timeExceeded": timeExceeded, "portUnreachableForDNS": portUnreachableForDNS,
        "dhcpv6SolicitBehindExtensions": dhcpv6SolicitBehindExtensions, "tcpBehindFragmentAndAH": tcpBehindFragmentAndAH,
        "echoV6": echoV6, "packetTooBig": packetTooBig, "unreachableV6QuotingFragment": unreachableV6QuotingFragment,
        "neighborSolicitation": neighborSolicitation, "neighborAdvertisement": neighborAdvertisement,
        "routerSolicitation": routerSolicitation, "dnsAnswerOverTCP": dnsAnswerOverTCP, "cookedV1UDP": cookedV1UDP,
        "cookedV2EchoV6": cookedV2EchoV6, "rawIPv4TCP": rawIPv4TCP, "rawIPv6UDP": rawIPv6UDP,
    ]
}
