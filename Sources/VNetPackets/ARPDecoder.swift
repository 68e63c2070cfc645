import VNetModel

/// ARP for IPv4 over Ethernet (hardware type 1, protocol 0x0800, 6- and 4-byte addresses).
enum ARPDecoder {
    static func decode(_ link: ByteReader, into packet: inout DecodedPacket) throws(DecodeIssue) {
        var reader = link.next(.arp)
        try reader.require(8)
        let hardwareType = try reader.u16()
        let protocolType = try reader.u16()
        let hardwareLength = try reader.u8()
        let protocolLength = try reader.u8()
        guard hardwareType == 1, protocolType == EtherTypeDispatch.ipv4 else {
            throw .unsupported(layer: .arp, what: "ARP for hardware \(hardwareType), protocol 0x\(String(protocolType, radix: 16))")
        }
        guard hardwareLength == 6, protocolLength == 4 else {
            throw .malformed(layer: .arp, reason: "Ethernet/IPv4 ARP with address lengths other than 6 and 4")
        }
        let operation = try reader.u16()
        try reader.require(20)
        let senderMAC = try reader.mac()
        let senderAddress = try reader.ipv4()
        let targetMAC = try reader.mac()
        let targetAddress = try reader.ipv4()
        packet.arp = ARPPacket(operation: operation, senderHardwareAddress: senderMAC, senderAddress: senderAddress,
                               targetHardwareAddress: targetMAC, targetAddress: targetAddress)
    }
}
