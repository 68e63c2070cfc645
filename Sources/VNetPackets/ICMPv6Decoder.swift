/// ICMPv6: echo, errors with their quoted packet (unreachable, packet too big with its MTU, time
/// exceeded, parameter problem), and neighbour discovery (133-137) with the target of NS, NA and redirect.
enum ICMPv6Decoder {
    static func decode(_ ip: ByteReader, into packet: inout DecodedPacket) throws(DecodeIssue) {
        var reader = ip.next(.icmpv6)
        try reader.require(8)
        let type = try reader.u8()
        let code = try reader.u8()
        try reader.skip(2)
        var message = ICMPMessage(type: type, code: code)
        switch type {
        case 1, 3, 4:
            try reader.skip(4)
            message.quoted = try QuotedPacketDecoder.ipv6(&reader)
        case 2:
            message.mtu = Int(try reader.u32())
            message.quoted = try QuotedPacketDecoder.ipv6(&reader)
        case 128, 129:
            message.echo = .init(identifier: try reader.u16(), sequence: try reader.u16())
        case 135, 136, 137:
            try reader.skip(4)
            message.neighborTarget = try reader.ipv6()
        default:
            break
        }
        packet.transport = .icmpv6(message)
    }
}
