/// The packet an ICMP or ICMPv6 error quotes: its IP header is required; its ports are read when the
/// message declares the bytes for them (ICMP quotes 8 bytes past the header, ICMPv6 as much as fits).
/// Problems in the quote are the ICMP layer's.
enum QuotedPacketDecoder {
    static func ipv4(_ reader: inout ByteReader) throws(DecodeIssue) -> QuotedPacket {
        let versionAndLength = try reader.peek()
        guard versionAndLength >> 4 == 4 else { throw .malformed(layer: reader.layer, reason: "quoted packet is not IPv4") }
        let headerLength = Int(versionAndLength & 0x0f) * 4
        guard headerLength >= 20 else { throw .malformed(layer: reader.layer, reason: "quoted header's IHL below 5") }
        try reader.require(20)
        try reader.skip(6)
        let fragmentOffset = try reader.u16() & 0x1fff
        try reader.skip(1)
        let protocolNumber = try reader.u8()
        try reader.skip(2)
        let source = try reader.ipv4()
        let destination = try reader.ipv4()
        try reader.skip(headerLength - 20)
        var quoted = QuotedPacket(source: source, destination: destination, protocolNumber: protocolNumber)
        if fragmentOffset == 0 { try readPorts(&reader, into: &quoted) }
        return quoted
    }

    static func ipv6(_ reader: inout ByteReader) throws(DecodeIssue) -> QuotedPacket {
        guard try reader.peek() >> 4 == 6 else { throw .malformed(layer: reader.layer, reason: "quoted packet is not IPv6") }
        try reader.require(40)
        try reader.skip(6)
        let nextHeader = try reader.u8()
        try reader.skip(1)
        let source = try reader.ipv6()
        let destination = try reader.ipv6()
        let upper = try IPv6Extensions.walk(&reader, first: nextHeader)
        var quoted = QuotedPacket(source: source, destination: destination, protocolNumber: upper.protocolNumber)
        if upper.fragment?.offset ?? 0 == 0 { try readPorts(&reader, into: &quoted) }
        return quoted
    }

    /// TCP, UDP, SCTP and UDP-Lite start with the two ports.
    private static func readPorts(_ reader: inout ByteReader, into quoted: inout QuotedPacket) throws(DecodeIssue) {
        switch quoted.protocolNumber {
        case 6, 17, 132, 136: break
        default: return
        }
        guard reader.declares(4) else { return }
        quoted.sourcePort = try reader.u16()
        quoted.destinationPort = try reader.u16()
    }
}
