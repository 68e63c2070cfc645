import VNetModel

/// One captured frame as the decoders understood it, layer by layer. Decoding never traps: what could not
/// be read is `issue`, and every layer before it is kept.
public struct DecodedPacket: Sendable, Hashable {
    public var ethernet: EthernetHeader?
    /// The Linux cooked header of an `any`-interface capture (instead of `ethernet`).
    public var linuxCooked: LinuxCookedHeader?
    public var arp: ARPPacket?
    public var ip: IPHeader?
    public var transport: Transport?
    public var application: Application?
    /// The first problem met, nil when every layer present decoded cleanly.
    public var issue: DecodeIssue?

    public init(ethernet: EthernetHeader? = nil, linuxCooked: LinuxCookedHeader? = nil, arp: ARPPacket? = nil,
                ip: IPHeader? = nil, transport: Transport? = nil, application: Application? = nil,
                issue: DecodeIssue? = nil) {
        self.ethernet = ethernet
        self.linuxCooked = linuxCooked
        self.arp = arp
        self.ip = ip
        self.transport = transport
        self.application = application
        self.issue = issue
    }

    /// The sending station's MAC, from the Ethernet header or the cooked header.
    public var sourceMAC: MACAddress? { ethernet?.sourceMAC ?? linuxCooked?.sourceMAC }

    /// 802.1Q/802.1ad tags, outermost first, from whichever link header there is.
    public var vlanTags: [UInt16] { ethernet?.vlanTags ?? linuxCooked?.vlanTags ?? [] }
}

/// libpcap link-layer header types the decoders read (DLT_* / LINKTYPE_* numbers).
public enum LinkType: Int32, Sendable, Hashable {
    case ethernet = 1
    case raw = 101
    case linuxCooked = 113
    case linuxCooked2 = 276
}

/// The layer a decode issue is in.
public enum PacketLayer: String, Sendable, Hashable, Codable, CaseIterable {
    case link, ethernet, vlan, arp, ipv4, ipv6, ipv6Extension, tcp, udp, icmp, icmpv6, dhcp, dhcpv6, dns
}

/// Why a layer could not be read: the capture ended inside it (truncated: snap length, a cut file), or its
/// bytes contradict the protocol (malformed: bad version, a length field pointing outside the packet).
public enum DecodeIssue: Sendable, Hashable {
    case truncated(layer: PacketLayer, needed: Int, available: Int)
    case malformed(layer: PacketLayer, reason: String)
    /// A link type or protocol the decoders do not read (counted, not an error).
    case unsupported(layer: PacketLayer, what: String)

    /// The layer the issue is in.
    public var layer: PacketLayer {
        switch self {
        case .truncated(let layer, _, _), .malformed(let layer, _), .unsupported(let layer, _): layer
        }
    }
}

extension DecodeIssue: CustomStringConvertible {
    /// `tcp truncated: 32 bytes needed, 20 captured`, `ipv4 malformed: IHL below 5`, `ethernet unsupported: EtherType 0x88cc`.
    public var description: String {
        switch self {
        case .truncated(let layer, let needed, let available):
            "\(layer.rawValue) truncated: \(needed) bytes needed, \(available) captured"
        case .malformed(let layer, let reason): "\(layer.rawValue) malformed: \(reason)"
        case .unsupported(let layer, let what): "\(layer.rawValue) unsupported: \(what)"
        }
    }
}

public struct EthernetHeader: Sendable, Hashable {
    public var sourceMAC: MACAddress
    public var destinationMAC: MACAddress
    /// 802.1Q/802.1ad tags, outermost first (the 12-bit VLAN ids).
    public var vlanTags: [UInt16]
    /// The EtherType after the tags.
    public var etherType: UInt16

    /// `aa:bb:cc:dd:ee:ff`, lower case, formatted when asked.
    public var source: String { sourceMAC.description }
    public var destination: String { destinationMAC.description }

    public init(sourceMAC: MACAddress, destinationMAC: MACAddress, vlanTags: [UInt16] = [], etherType: UInt16) {
        self.sourceMAC = sourceMAC
        self.destinationMAC = destinationMAC
        self.vlanTags = vlanTags
        self.etherType = etherType
    }

    /// Text MACs (`aa:bb:cc:dd:ee:ff`); text that is no MAC reads as 00:00:00:00:00:00.
    public init(source: String, destination: String, vlanTags: [UInt16] = [], etherType: UInt16) {
        self.init(sourceMAC: MACAddress(source) ?? .zero, destinationMAC: MACAddress(destination) ?? .zero,
                  vlanTags: vlanTags, etherType: etherType)
    }
}

/// The Linux "cooked" pseudo-header (LINKTYPE_LINUX_SLL and SLL2) that `tcpdump -i any` captures carry
/// instead of an Ethernet header: only the sender's address, and which way the packet went.
public struct LinuxCookedHeader: Sendable, Hashable {
    /// 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us.
    public var packetType: UInt16
    /// The ARPHRD_ type of the interface (1 Ethernet, 772 loopback...).
    public var linkLayerAddressType: UInt16
    /// The sender's MAC when the interface is Ethernet-like and says a 6-byte address.
    public var sourceMAC: MACAddress?
    /// SLL2 only: the capturing interface's index.
    public var interfaceIndex: UInt32?
    /// Tags still in the packet (most are stripped by the kernel before the capture).
    public var vlanTags: [UInt16]
    /// The EtherType after the tags.
    public var etherType: UInt16

    public init(packetType: UInt16, linkLayerAddressType: UInt16, sourceMAC: MACAddress?, interfaceIndex: UInt32? = nil,
                vlanTags: [UInt16] = [], etherType: UInt16) {
        self.packetType = packetType
        self.linkLayerAddressType = linkLayerAddressType
        self.sourceMAC = sourceMAC
        self.interfaceIndex = interfaceIndex
        self.vlanTags = vlanTags
        self.etherType = etherType
    }

    /// True for a packet the capturing host sent (packet type 4, PACKET_OUTGOING).
    public var isOutgoing: Bool { packetType == 4 }
}

public struct ARPPacket: Sendable, Hashable {
    /// 1 request, 2 reply.
    public var operation: UInt16
    public var senderHardwareAddress: MACAddress
    public var senderAddress: IPAddress
    public var targetHardwareAddress: MACAddress
    public var targetAddress: IPAddress

    /// `aa:bb:cc:dd:ee:ff`, formatted when asked.
    public var senderMAC: String { senderHardwareAddress.description }
    public var targetMAC: String { targetHardwareAddress.description }

    public init(operation: UInt16, senderHardwareAddress: MACAddress, senderAddress: IPAddress,
                targetHardwareAddress: MACAddress, targetAddress: IPAddress) {
        self.operation = operation
        self.senderHardwareAddress = senderHardwareAddress
        self.senderAddress = senderAddress
        self.targetHardwareAddress = targetHardwareAddress
        self.targetAddress = targetAddress
    }

    /// Text MACs; text that is no MAC reads as 00:00:00:00:00:00.
    public init(operation: UInt16, senderMAC: String, senderAddress: IPAddress, targetMAC: String, targetAddress: IPAddress) {
        self.init(operation: operation, senderHardwareAddress: MACAddress(senderMAC) ?? .zero, senderAddress: senderAddress,
                  targetHardwareAddress: MACAddress(targetMAC) ?? .zero, targetAddress: targetAddress)
    }
}

/// IPv4 or IPv6 header, with IPv6 extension headers walked to the upper-layer protocol.
public struct IPHeader: Sendable, Hashable {
    public var source: IPAddress
    public var destination: IPAddress
    /// The upper-layer protocol (after IPv6 extension headers): 6 tcp, 17 udp, 1 icmp, 58 icmpv6...
    public var protocolNumber: UInt8
    /// TTL (IPv4) or hop limit (IPv6).
    public var hopLimit: UInt8
    /// Total length from the header (IPv4 total length; IPv6 40 + payload length).
    public var totalLength: Int
    /// Set for a fragment (IPv4 MF or offset, IPv6 fragment header); only the first fragment
    /// (offset 0) carries the transport header.
    public var fragment: Fragment?
    /// IPv4 only: the don't-fragment bit.
    public var dontFragment: Bool

    public struct Fragment: Sendable, Hashable {
        public var identification: UInt32
        /// In bytes.
        public var offset: Int
        public var moreFragments: Bool
        public init(identification: UInt32, offset: Int, moreFragments: Bool) {
            self.identification = identification
            self.offset = offset
            self.moreFragments = moreFragments
        }
    }

    public var family: AddressFamily { source.family }

    public init(source: IPAddress, destination: IPAddress, protocolNumber: UInt8, hopLimit: UInt8, totalLength: Int,
                fragment: Fragment? = nil, dontFragment: Bool = false) {
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.hopLimit = hopLimit
        self.totalLength = totalLength
        self.fragment = fragment
        self.dontFragment = dontFragment
    }
}

public enum Transport: Sendable, Hashable {
    case tcp(TCPHeader)
    case udp(UDPHeader)
    case icmp(ICMPMessage)
    case icmpv6(ICMPMessage)
}

public struct TCPHeader: Sendable, Hashable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequence: UInt32
    public var acknowledgement: UInt32
    public var flags: TCPFlags
    /// Bytes of payload after the header (from the IP length, not the capture).
    public var payloadLength: Int

    public init(sourcePort: UInt16, destinationPort: UInt16, sequence: UInt32, acknowledgement: UInt32,
                flags: TCPFlags, payloadLength: Int) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.flags = flags
        self.payloadLength = payloadLength
    }
}

public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)
}

public struct UDPHeader: Sendable, Hashable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var length: Int
    public init(sourcePort: UInt16, destinationPort: UInt16, length: Int) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
    }
}

/// An ICMP or ICMPv6 message. Errors (unreachable, time exceeded, packet too big) quote the packet that
/// caused them, which is how a flow's error is matched to the flow.
public struct ICMPMessage: Sendable, Hashable {
    public var type: UInt8
    public var code: UInt8
    /// Echo identifier and sequence, for echo request/reply.
    public var echo: Echo?
    /// ICMP "fragmentation needed" next-hop MTU, ICMPv6 "packet too big" MTU.
    public var mtu: Int?
    /// The quoted packet of an error message.
    public var quoted: QuotedPacket?
    /// Neighbour discovery (ICMPv6 133-137): the target address of a solicitation/advertisement.
    public var neighborTarget: IPAddress?

    public struct Echo: Sendable, Hashable {
        public var identifier: UInt16
        public var sequence: UInt16
        public init(identifier: UInt16, sequence: UInt16) {
            self.identifier = identifier
            self.sequence = sequence
        }
    }

    public init(type: UInt8, code: UInt8, echo: Echo? = nil, mtu: Int? = nil, quoted: QuotedPacket? = nil,
                neighborTarget: IPAddress? = nil) {
        self.type = type
        self.code = code
        self.echo = echo
        self.mtu = mtu
        self.quoted = quoted
        self.neighborTarget = neighborTarget
    }
}

/// The start of the packet an ICMP error quotes: its addresses, protocol and ports (when quoted).
public struct QuotedPacket: Sendable, Hashable {
    public var source: IPAddress
    public var destination: IPAddress
    public var protocolNumber: UInt8
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?

    public init(source: IPAddress, destination: IPAddress, protocolNumber: UInt8, sourcePort: UInt16? = nil,
                destinationPort: UInt16? = nil) {
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }
}

public enum Application: Sendable, Hashable {
    case dhcp(DHCPMessage)
    case dhcpv6(DHCPv6Message)
    case dns(DNSMessage)
}

/// Enough of DHCPv4 to tell requests from answers.
public struct DHCPMessage: Sendable, Hashable {
    /// 1 BOOTREQUEST, 2 BOOTREPLY.
    public var op: UInt8
    public var transactionID: UInt32
    /// The first six bytes of `chaddr`.
    public var clientHardwareAddress: MACAddress
    /// `yiaddr`: the address offered or acknowledged.
    public var yourAddress: IPAddress
    /// Option 53: 1 discover, 2 offer, 3 request, 4 decline, 5 ack, 6 nak, 7 release, 8 inform.
    /// Nil for plain BOOTP (no magic cookie) or options without it.
    public var messageType: UInt8?

    /// `aa:bb:cc:dd:ee:ff`, formatted when asked.
    public var clientMAC: String { clientHardwareAddress.description }

    public init(op: UInt8, transactionID: UInt32, clientHardwareAddress: MACAddress, yourAddress: IPAddress, messageType: UInt8?) {
        self.op = op
        self.transactionID = transactionID
        self.clientHardwareAddress = clientHardwareAddress
        self.yourAddress = yourAddress
        self.messageType = messageType
    }

    /// Text MAC; text that is no MAC reads as 00:00:00:00:00:00.
    public init(op: UInt8, transactionID: UInt32, clientMAC: String, yourAddress: IPAddress, messageType: UInt8?) {
        self.init(op: op, transactionID: transactionID, clientHardwareAddress: MACAddress(clientMAC) ?? .zero,
                  yourAddress: yourAddress, messageType: messageType)
    }
}

/// Enough of DHCPv6: 1 solicit, 2 advertise, 3 request, 7 reply...
public struct DHCPv6Message: Sendable, Hashable {
    public var messageType: UInt8
    /// 0 for relay messages (12 relay-forward, 13 relay-reply), which carry no transaction id.
    public var transactionID: UInt32
    public init(messageType: UInt8, transactionID: UInt32) {
        self.messageType = messageType
        self.transactionID = transactionID
    }
}

/// Enough of DNS to pair queries and answers.
public struct DNSMessage: Sendable, Hashable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: UInt8
    public var responseCode: UInt8
    /// The first question's name (`gateway.lab`), nil when absent or unreadable.
    public var questionName: String?
    public var answerCount: UInt16

    public init(id: UInt16, isResponse: Bool, opcode: UInt8, responseCode: UInt8, questionName: String?, answerCount: UInt16) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.responseCode = responseCode
        self.questionName = questionName
        self.answerCount = answerCount
    }
}
