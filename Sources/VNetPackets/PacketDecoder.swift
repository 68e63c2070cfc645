/// Decodes one frame; never traps, whatever the bytes. One small decoder per layer (in the manner of
/// gopacket's DecodingLayer) reads through a bounds-checked `ByteReader`; the first layer that cannot be
/// read stops decoding and becomes the packet's `issue`, every layer before it is kept.
public enum PacketDecoder {
    public static func decode(_ bytes: [UInt8], linkType: LinkType) -> DecodedPacket {
        bytes.withUnsafeBytes { decode($0, linkType: linkType) }
    }

    public static func decode(_ bytes: ArraySlice<UInt8>, linkType: LinkType) -> DecodedPacket {
        bytes.withUnsafeBytes { decode($0, linkType: linkType) }
    }

    /// Decodes straight from a capture buffer (a pcap record, a ring slot).
    public static func decode(_ buffer: UnsafeRawBufferPointer, linkType: LinkType) -> DecodedPacket {
        var packet = DecodedPacket()
        decode(buffer, linkType: linkType, into: &packet)
        return packet
    }

    /// The streaming entry: decodes into `packet` (reset first), which a caller reading millions of frames
    /// keeps from one frame to the next, so no packet value is built and copied out per frame.
    public static func decode(_ buffer: UnsafeRawBufferPointer, linkType: LinkType, into packet: inout DecodedPacket) {
        packet = DecodedPacket()
        let frame = ByteReader(frame: buffer, layer: .link)
        do {
            switch linkType {
            case .ethernet: try EthernetDecoder.decode(frame, into: &packet)
            case .linuxCooked: try LinuxCookedDecoder.decodeV1(frame, into: &packet)
            case .linuxCooked2: try LinuxCookedDecoder.decodeV2(frame, into: &packet)
            case .raw: try RawIPDecoder.decode(frame, into: &packet)
            }
        } catch {
            packet.issue = error
        }
    }

    /// Like `decode`, for a libpcap link-type number that may be one the decoders do not read.
    public static func decode(_ buffer: UnsafeRawBufferPointer, linkTypeNumber: Int32) -> DecodedPacket {
        guard let linkType = LinkType(rawValue: linkTypeNumber) else {
            return DecodedPacket(issue: .unsupported(layer: .link, what: "link type \(linkTypeNumber)"))
        }
        return decode(buffer, linkType: linkType)
    }
}

/// What follows a link header, chosen by EtherType.
enum EtherTypeDispatch {
    static let ipv4: UInt16 = 0x0800
    static let arp: UInt16 = 0x0806
    static let ipv6: UInt16 = 0x86dd
    /// 802.1Q, 802.1ad (QinQ) and the older pre-standard QinQ tag.
    static func isVLANTag(_ etherType: UInt16) -> Bool {
        etherType == 0x8100 || etherType == 0x88a8 || etherType == 0x9100
    }

    /// Reads VLAN tags while the EtherType says one follows; returns them (outermost first) and the
    /// EtherType after them.
    static func readTags(_ reader: inout ByteReader, etherType: UInt16) throws(DecodeIssue) -> ([UInt16], UInt16) {
        var tags: [UInt16] = []
        var type = etherType
        while isVLANTag(type) {
            var tag = reader.next(.vlan)
            let tci = try tag.u16()
            type = try tag.u16()
            tags.append(tci & 0x0fff)
            reader = tag
        }
        return (tags, type)
    }

    /// Decodes the network layer at the reader's position.
    static func decodeNetwork(_ reader: ByteReader, etherType: UInt16, linkLayer: PacketLayer,
                              into packet: inout DecodedPacket) throws(DecodeIssue) {
        switch etherType {
        case ipv4: try IPv4Decoder.decode(reader, into: &packet)
        case ipv6: try IPv6Decoder.decode(reader, into: &packet)
        case arp: try ARPDecoder.decode(reader, into: &packet)
        default:
            if etherType < 0x0600 {
                throw .unsupported(layer: linkLayer, what: "802.3 length field (LLC frame)")
            }
            throw .unsupported(layer: linkLayer, what: "EtherType 0x\(String(etherType, radix: 16))")
        }
    }
}
