import VNetModel

/// IPv4: options skipped by IHL, fragments noted (only offset 0 carries the transport header), the
/// payload bounded by the total length so Ethernet padding is never read as data.
enum IPv4Decoder {
    static func decode(_ link: ByteReader, into packet: inout DecodedPacket) throws(DecodeIssue) {
        var header = link.next(.ipv4)
        try header.require(20)
        let versionAndLength = try header.u8()
        guard versionAndLength >> 4 == 4 else { throw .malformed(layer: .ipv4, reason: "version is not 4") }
        let headerLength = Int(versionAndLength & 0x0f) * 4
        guard headerLength >= 20 else { throw .malformed(layer: .ipv4, reason: "IHL below 5") }
        try header.skip(1)
        let totalLength = Int(try header.u16())
        let identification = try header.u16()
        let flagsAndOffset = try header.u16()
        let ttl = try header.u8()
        let protocolNumber = try header.u8()
        try header.skip(2)
        let source = try header.ipv4()
        let destination = try header.ipv4()
        // A total length of 0 is what TCP segmentation offload leaves in packets captured on their way
        // out (tcpdump reads it the same way): the length is then what was captured.
        if totalLength != 0, totalLength < headerLength {
            throw .malformed(layer: .ipv4, reason: "total length shorter than the header")
        }
        var reader = link.next(.ipv4, declaredLength: totalLength == 0 ? nil : totalLength)
        try reader.skip(headerLength)

        let offset = Int(flagsAndOffset & 0x1fff) * 8
        let moreFragments = flagsAndOffset & 0x2000 != 0
        let fragment = offset != 0 || moreFragments
            ? IPHeader.Fragment(identification: UInt32(identification), offset: offset, moreFragments: moreFragments)
            : nil
        packet.ip = IPHeader(source: source, destination: destination, protocolNumber: protocolNumber, hopLimit: ttl,
                             totalLength: totalLength == 0 ? reader.end - reader.start : totalLength,
                             fragment: fragment, dontFragment: flagsAndOffset & 0x4000 != 0)
        guard offset == 0 else { return }
        try TransportDispatch.decode(reader, protocolNumber: protocolNumber, family: .ipv4,
                                     isWhole: fragment == nil, into: &packet)
    }
}
