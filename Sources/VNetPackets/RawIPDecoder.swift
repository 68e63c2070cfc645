/// LINKTYPE_RAW: the frame is an IPv4 or IPv6 packet, told apart by its version nibble.
enum RawIPDecoder {
    static func decode(_ frame: ByteReader, into packet: inout DecodedPacket) throws(DecodeIssue) {
        let first = try frame.peek()
        switch first >> 4 {
        case 4: try IPv4Decoder.decode(frame, into: &packet)
        case 6: try IPv6Decoder.decode(frame, into: &packet)
        default: throw .malformed(layer: .link, reason: "raw IP packet of version neither 4 nor 6")
        }
    }
}
