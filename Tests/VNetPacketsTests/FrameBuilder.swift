import VNetModel
import VNetPackets

/// Test-only: a frame built layer by layer, with where each decoder's reader starts and how far it must
/// read (so a truncation test knows which layer a cut falls in).
struct BuiltFrame: Sendable {
    struct Span: Sendable {
        var layer: PacketLayer
        var start: Int
        /// The byte after the last one the layer's decoder reads.
        var end: Int
        /// Which part of `DecodedPacket` the layer fills.
        var part: Part
    }

    enum Part: Sendable { case link, arp, ip, transport, application }

    var bytes: [UInt8]
    var spans: [Span]
    var linkType: LinkType = .ethernet

    /// Payload bytes no decoder reads.
    static func data(_ bytes: [UInt8]) -> BuiltFrame { BuiltFrame(bytes: bytes, spans: []) }

    /// `header` in front of `self`, the header's own spans (relative to the header) first.
    func behind(_ header: [UInt8], _ headerSpans: [Span]) -> BuiltFrame {
        BuiltFrame(bytes: header + bytes,
                   spans: headerSpans + spans.map { Span(layer: $0.layer, start: $0.start + header.count,
                                                         end: $0.end + header.count, part: $0.part) },
                   linkType: linkType)
    }

    func with(linkType: LinkType) -> BuiltFrame {
        var frame = self
        frame.linkType = linkType
        return frame
    }

    /// Overwrites one byte (malformed cases).
    func patched(_ offset: Int, _ value: UInt8) -> BuiltFrame {
        var frame = self
        frame.bytes[offset] = value
        return frame
    }

    func decode() -> DecodedPacket { PacketDecoder.decode(bytes, linkType: linkType) }
}

func be16(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
func be32(_ value: UInt32) -> [UInt8] { be16(Int(value >> 16)) + be16(Int(value & 0xffff)) }
func address(_ text: String) -> [UInt8] { IPAddress(text)?.bytes ?? [] }
func mac(_ text: String) -> [UInt8] { MACAddress(text)?.bytes ?? [] }
func ip(_ text: String) -> IPAddress? { IPAddress(text) }

/// Builders of each protocol's header in front of a payload.
enum Build {
    typealias Span = BuiltFrame.Span

    static func ethernet(_ payload: BuiltFrame, type: UInt16, tags: [(tpid: UInt16, id: UInt16)] = [],
                         source: String = "52:54:00:aa:00:01", destination: String = "52:54:00:bb:00:02") -> BuiltFrame {
        let types = tags.map(\.tpid) + [type]
        var header = mac(destination) + mac(source) + be16(Int(types[0]))
        var spans = [Span(layer: .ethernet, start: 0, end: 14, part: .link)]
        for (index, tag) in tags.enumerated() {
            spans.append(Span(layer: .vlan, start: header.count, end: header.count + 4, part: .link))
            header += be16(Int(tag.id)) + be16(Int(types[index + 1]))
        }
        return payload.behind(header, spans).with(linkType: .ethernet)
    }

    static func cookedV1(_ payload: BuiltFrame, type: UInt16, packetType: UInt16 = 4, source: String = "52:54:00:aa:00:01") -> BuiltFrame {
        let header = be16(Int(packetType)) + be16(1) + be16(6) + mac(source) + [0, 0] + be16(Int(type))
        return payload.behind(header, [Span(layer: .link, start: 0, end: 16, part: .link)]).with(linkType: .linuxCooked)
    }

    static func cookedV2(_ payload: BuiltFrame, type: UInt16, packetType: UInt8 = 0, interfaceIndex: UInt32 = 7,
                         source: String = "52:54:00:aa:00:01") -> BuiltFrame {
        let header = be16(Int(type)) + [0, 0] + be32(interfaceIndex) + be16(1) + [packetType, 6] + mac(source) + [0, 0]
        return payload.behind(header, [Span(layer: .link, start: 0, end: 20, part: .link)]).with(linkType: .linuxCooked2)
    }

    /// The version nibble tells the IP layer: an empty frame is truncated at the link layer.
    static func raw(_ payload: BuiltFrame) -> BuiltFrame {
        var frame = payload.with(linkType: .raw)
        frame.spans.insert(Span(layer: .link, start: 0, end: 1, part: .link), at: 0)
        return frame
    }

    static func arp(operation: UInt16, senderMAC: String, sender: String, targetMAC: String, target: String) -> BuiltFrame {
        let body = be16(1) + be16(0x0800) + [6, 4] + be16(Int(operation)) + mac(senderMAC) + address(sender)
            + mac(targetMAC) + address(target)
        return BuiltFrame.data([]).behind(body, [Span(layer: .arp, start: 0, end: 28, part: .arp)])
    }

    static func ipv4(_ payload: BuiltFrame, protocolNumber: UInt8, source: String = "192.168.122.10",
                     destination: String = "192.168.122.1", ttl: UInt8 = 64, options: [UInt8] = [],
                     identification: Int = 0x1c46, dontFragment: Bool = false, moreFragments: Bool = false,
                     fragmentOffset: Int = 0) -> BuiltFrame {
        let headerLength = 20 + options.count
        let flags = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | fragmentOffset / 8
        let header = [UInt8(0x40 | headerLength / 4), 0] + be16(headerLength + payload.bytes.count)
            + be16(identification) + be16(flags) + [ttl, protocolNumber, 0, 0] + address(source) + address(destination) + options
        return payload.behind(header, [Span(layer: .ipv4, start: 0, end: headerLength, part: .ip)])
    }

    enum Extension {
        case hopByHop, routing, destinationOptions, authentication
        case fragment(offset: Int, more: Bool, identification: UInt32)

        var number: UInt8 {
            switch self {
            case .hopByHop: 0
            case .routing: 43
            case .destinationOptions: 60
            case .authentication: 51
            case .fragment: 44
            }
        }

        func bytes(next: UInt8) -> [UInt8] {
            switch self {
            // 16 bytes: a length byte of 1 (two 8-byte units); PadN fills the options.
            case .hopByHop, .destinationOptions: [next, 1, 1, 12] + [UInt8](repeating: 0, count: 12)
            // Type 2 routing header with one address (24 bytes).
            case .routing: [next, 2, 2, 1, 0, 0, 0, 0] + address("2001:db8::99")
            // AH with a 12-byte ICV: (4 + 2) * 4 = 24 bytes (its length counts 4-byte units, minus 2).
            case .authentication: [next, 4, 0, 0] + be32(0x100) + be32(1) + [UInt8](repeating: 0xab, count: 12)
            case .fragment(let offset, let more, let identification):
                [next, 0] + be16(offset | (more ? 1 : 0)) + be32(identification)
            }
        }
    }

    static func ipv6(_ payload: BuiltFrame, next: UInt8, source: String = "fd00:122::10", destination: String = "fd00:122::1",
                     hopLimit: UInt8 = 64, extensions: [Extension] = []) -> BuiltFrame {
        var chain: [UInt8] = []
        for (index, ext) in extensions.enumerated() {
            chain += ext.bytes(next: index + 1 < extensions.count ? extensions[index + 1].number : next)
        }
        let first = extensions.first?.number ?? next
        let header = [0x60, 0, 0, 0] + be16(chain.count + payload.bytes.count) + [first, hopLimit]
            + address(source) + address(destination)
        var spans = [Span(layer: .ipv6, start: 0, end: 40, part: .ip)]
        if !chain.isEmpty { spans.append(Span(layer: .ipv6Extension, start: 40, end: 40 + chain.count, part: .ip)) }
        return payload.behind(header + chain, spans)
    }

    static func tcp(_ payload: BuiltFrame = .data([]), sourcePort: Int, destinationPort: Int, sequence: UInt32 = 1000,
                    acknowledgement: UInt32 = 0, flags: UInt8 = 0x02, options: [UInt8] = []) -> BuiltFrame {
        let headerLength = 20 + options.count
        let header = be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(acknowledgement)
            + [UInt8(headerLength / 4) << 4, flags] + be16(64240) + [0, 0, 0, 0] + options
        return payload.behind(header, [Span(layer: .tcp, start: 0, end: headerLength, part: .transport)])
    }

    static func udp(_ payload: BuiltFrame, sourcePort: Int, destinationPort: Int) -> BuiltFrame {
        let header = be16(sourcePort) + be16(destinationPort) + be16(8 + payload.bytes.count) + [0, 0]
        return payload.behind(header, [Span(layer: .udp, start: 0, end: 8, part: .transport)])
    }

    /// An ICMP message; for errors, `quote` is the packet quoted (cut to its header plus 8 bytes) and
    /// `quoteRead` how much of it the decoder reads (header, plus 4 for ports).
    static func icmp(type: UInt8, code: UInt8, rest: [UInt8], quote: [UInt8] = [], quoteRead: Int = 0,
                     data: [UInt8] = [], layer: PacketLayer = .icmp) -> BuiltFrame {
        BuiltFrame.data(data).behind([type, code, 0, 0] + rest + quote,
                                     [Span(layer: layer, start: 0, end: 8 + quoteRead, part: .transport)])
    }

    static func icmpv6(type: UInt8, code: UInt8, rest: [UInt8], quote: [UInt8] = [], quoteRead: Int = 0,
                       data: [UInt8] = []) -> BuiltFrame {
        icmp(type: type, code: code, rest: rest, quote: quote, quoteRead: quoteRead, data: data, layer: .icmpv6)
    }

    /// DHCPv4 with raw option bytes (ending in 255 when `options` has it) and `padding` after them.
    static func dhcp(op: UInt8, transactionID: UInt32, clientMAC: String, yourAddress: String = "0.0.0.0",
                     options: [UInt8], padding: Int = 0) -> BuiltFrame {
        var body = [op, 1, 6, 0] + be32(transactionID) + [0, 0, 0x80, 0] + [UInt8](repeating: 0, count: 4)
            + address(yourAddress) + [UInt8](repeating: 0, count: 8) + mac(clientMAC) + [UInt8](repeating: 0, count: 10 + 192)
        body += be32(0x6382_5363) + options
        return BuiltFrame.data([UInt8](repeating: 0, count: padding))
            .behind(body, [Span(layer: .dhcp, start: 0, end: body.count, part: .application)])
    }

    static func dhcpv6(type: UInt8, transactionID: UInt32, options: [UInt8] = []) -> BuiltFrame {
        let body = [type] + Array(be32(transactionID).dropFirst())
        return BuiltFrame.data(options).behind(body, [Span(layer: .dhcpv6, start: 0, end: 4, part: .application)])
    }

    /// Wire form of `a.b.c`.
    static func name(_ text: String) -> [UInt8] {
        text.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    /// A DNS message: header, then `question` (wire name) and a type/class; `nameRead` is how much of the
    /// question name the decoder reads (the whole name unless a pointer ends it early).
    static func dns(id: Int, flags: Int, question: [UInt8], nameRead: Int? = nil, answerCount: Int = 0,
                    authorityCount: Int = 0, trailing: [UInt8] = []) -> BuiltFrame {
        let header = be16(id) + be16(flags) + be16(1) + be16(answerCount) + be16(authorityCount) + be16(0)
        return BuiltFrame.data(be16(1) + be16(1) + trailing).behind(
            header + question, [Span(layer: .dns, start: 0, end: 12 + (nameRead ?? question.count), part: .application)])
    }

    /// DNS over TCP: the 2-byte length prefix in front.
    static func dnsOverTCP(_ message: BuiltFrame) -> BuiltFrame {
        message.behind(be16(message.bytes.count), [Span(layer: .dns, start: 0, end: 2, part: .application)])
    }
}
