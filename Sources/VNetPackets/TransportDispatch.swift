import VNetModel

/// What follows an IP header, chosen by its (upper-layer) protocol number.
enum TransportDispatch {
    /// `isWhole` is false for the first fragment of a fragmented packet: its transport header is read, but
    /// lengths that span the whole datagram are not checked and no application data is decoded.
    static func decode(_ reader: ByteReader, protocolNumber: UInt8, family: AddressFamily, isWhole: Bool,
                       into packet: inout DecodedPacket) throws(DecodeIssue) {
        switch (protocolNumber, family) {
        case (6, _): try TCPDecoder.decode(reader, isWhole: isWhole, into: &packet)
        case (17, _): try UDPDecoder.decode(reader, isWhole: isWhole, into: &packet)
        case (1, .ipv4): try ICMPDecoder.decode(reader, into: &packet)
        case (58, .ipv6): try ICMPv6Decoder.decode(reader, into: &packet)
        case (IPv6Extensions.noNextHeader, .ipv6): return
        case (IPv6Extensions.encapsulatingSecurity, _):
            throw .unsupported(layer: family == .ipv4 ? .ipv4 : .ipv6Extension, what: "ESP (encrypted payload)")
        default:
            throw .unsupported(layer: family == .ipv4 ? .ipv4 : .ipv6, what: "IP protocol \(protocolNumber)")
        }
    }
}
