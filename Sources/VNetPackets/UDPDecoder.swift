/// UDP, and the applications told by port: DHCP (67/68), DHCPv6 (546/547), DNS (53).
enum UDPDecoder {
    static func decode(_ ip: ByteReader, isWhole: Bool, into packet: inout DecodedPacket) throws(DecodeIssue) {
        var reader = ip.next(.udp)
        try reader.require(8)
        let sourcePort = try reader.u16()
        let destinationPort = try reader.u16()
        let length = Int(try reader.u16())
        try reader.skip(2)
        guard length >= 8 else { throw .malformed(layer: .udp, reason: "length below 8") }
        // A first fragment carries only part of the datagram its UDP length counts.
        if isWhole, ip.declaredEnd != nil, length > ip.declaredRemaining {
            throw .malformed(layer: .udp, reason: "length exceeds the IP payload")
        }
        packet.transport = .udp(UDPHeader(sourcePort: sourcePort, destinationPort: destinationPort, length: length))
        guard isWhole else { return }
        let payloadLength = length - 8
        switch (sourcePort, destinationPort) {
        case (67...68, 67...68):
            packet.application = .dhcp(try DHCPDecoder.decode(reader.next(.dhcp, declaredLength: payloadLength)))
        case (546...547, 546...547):
            packet.application = .dhcpv6(try DHCPv6Decoder.decode(reader.next(.dhcpv6, declaredLength: payloadLength)))
        case (53, _), (_, 53):
            packet.application = .dns(try DNSDecoder.decode(reader.next(.dns, declaredLength: payloadLength)))
        default:
            return
        }
    }
}
