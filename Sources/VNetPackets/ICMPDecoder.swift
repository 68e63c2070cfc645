/// ICMP (IPv4): echo, and the errors that quote the packet that caused them (destination unreachable,
/// with the next-hop MTU of "fragmentation needed"; time exceeded; source quench, redirect, parameter problem).
enum ICMPDecoder {
    static func decode(_ ip: ByteReader, into packet: inout DecodedPacket) throws(DecodeIssue) {
        var reader = ip.next(.icmp)
        try reader.require(8)
        let type = try reader.u8()
        let code = try reader.u8()
        try reader.skip(2)
        var message = ICMPMessage(type: type, code: code)
        switch type {
        case 0, 8:
            message.echo = .init(identifier: try reader.u16(), sequence: try reader.u16())
        case 3:
            try reader.skip(2)
            let nextHopMTU = try reader.u16()
            if code == 4 { message.mtu = Int(nextHopMTU) }
            message.quoted = try QuotedPacketDecoder.ipv4(&reader)
        case 4, 5, 11, 12:
            try reader.skip(4)
            message.quoted = try QuotedPacketDecoder.ipv4(&reader)
        default:
            break
        }
        packet.transport = .icmp(message)
    }
}
