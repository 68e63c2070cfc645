/// DHCPv6: the message type and the 3-byte transaction id (relay messages have none: 0).
enum DHCPv6Decoder {
    static func decode(_ reader: ByteReader) throws(DecodeIssue) -> DHCPv6Message {
        var reader = reader
        try reader.require(4)
        let messageType = try reader.u8()
        if messageType == 12 || messageType == 13 {
            try reader.skip(1)
            return DHCPv6Message(messageType: messageType, transactionID: 0)
        }
        let high = try reader.u8()
        let low = try reader.u16()
        return DHCPv6Message(messageType: messageType, transactionID: UInt32(high) << 16 | UInt32(low))
    }
}
