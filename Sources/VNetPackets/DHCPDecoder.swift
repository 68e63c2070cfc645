/// DHCPv4 (BOOTP with the magic cookie): op, xid, chaddr, yiaddr and option 53, the message type.
/// Options are walked with bounds; pad (0) and end (255) have no length byte.
enum DHCPDecoder {
    static let magicCookie: UInt32 = 0x6382_5363
    static let messageTypeOption: UInt8 = 53

    static func decode(_ reader: ByteReader) throws(DecodeIssue) -> DHCPMessage {
        var reader = reader
        try reader.require(236)
        let op = try reader.u8()
        try reader.skip(3)
        let transactionID = try reader.u32()
        try reader.skip(8)
        let yourAddress = try reader.ipv4()
        try reader.skip(8)
        let clientHardwareAddress = try reader.mac()
        try reader.skip(10 + 64 + 128)
        var message = DHCPMessage(op: op, transactionID: transactionID, clientHardwareAddress: clientHardwareAddress,
                                  yourAddress: yourAddress, messageType: nil)
        // Plain BOOTP: no cookie, a vendor area that is not options.
        guard reader.declares(4), try reader.u32() == magicCookie else { return message }
        while reader.declares(1) {
            let code = try reader.u8()
            if code == 0 { continue }
            if code == 255 { break }
            let length = Int(try reader.u8())
            guard reader.declares(length) else {
                throw .malformed(layer: .dhcp, reason: "option runs past the end of the message")
            }
            if code == messageTypeOption, length >= 1 { message.messageType = try reader.peek() }
            try reader.skip(length)
        }
        return message
    }
}
