/// TCP: ports, sequence numbers, flags; the header length (data offset) checked against the segment.
enum TCPDecoder {
    static let dnsPort: UInt16 = 53

    static func decode(_ ip: ByteReader, isWhole: Bool, into packet: inout DecodedPacket) throws(DecodeIssue) {
        var reader = ip.next(.tcp)
        try reader.require(20)
        let sourcePort = try reader.u16()
        let destinationPort = try reader.u16()
        let sequence = try reader.u32()
        let acknowledgement = try reader.u32()
        let offsetAndFlags = try reader.u16()
        let headerLength = Int(offsetAndFlags >> 12) * 4
        guard headerLength >= 20 else { throw .malformed(layer: .tcp, reason: "data offset below 5") }
        guard reader.declares(headerLength - reader.offset) else {
            throw .malformed(layer: .tcp, reason: "data offset runs past the segment")
        }
        try reader.skip(headerLength - reader.offset)
        let payloadLength = reader.declaredRemaining
        packet.transport = .tcp(TCPHeader(sourcePort: sourcePort, destinationPort: destinationPort, sequence: sequence,
                                          acknowledgement: acknowledgement,
                                          flags: TCPFlags(rawValue: UInt8(truncatingIfNeeded: offsetAndFlags)),
                                          payloadLength: payloadLength))
        guard isWhole, payloadLength > 0, sourcePort == dnsPort || destinationPort == dnsPort else { return }
        // DNS over TCP: a 2-byte length, then the message (its header and first question fit the segment).
        var prefixed = reader.next(.dns)
        let messageLength = Int(try prefixed.u16())
        packet.application = .dns(try DNSDecoder.decode(prefixed.next(.dns, declaredLength: messageLength)))
    }
}
