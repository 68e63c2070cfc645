/// The Linux cooked pseudo-headers of `any`-interface captures: SLL (LINKTYPE_LINUX_SLL, 16 bytes) and
/// SLL2 (LINKTYPE_LINUX_SLL2, 20 bytes). Their protocol field is an EtherType for the families read here.
enum LinuxCookedDecoder {
    /// packet type(2) ARPHRD(2) address length(2) address(8) protocol(2).
    static func decodeV1(_ frame: ByteReader, into packet: inout DecodedPacket) throws(DecodeIssue) {
        var reader = frame.next(.link)
        try reader.require(16)
        let packetType = try reader.u16()
        let addressType = try reader.u16()
        let addressLength = try reader.u16()
        let source = try reader.mac()
        try reader.skip(2)
        try finish(&reader, packetType: packetType, addressType: addressType, addressLength: Int(addressLength),
                   source: source, interfaceIndex: nil, protocolField: try reader.u16(), into: &packet)
    }

    /// protocol(2) reserved(2) interface index(4) ARPHRD(2) packet type(1) address length(1) address(8).
    static func decodeV2(_ frame: ByteReader, into packet: inout DecodedPacket) throws(DecodeIssue) {
        var reader = frame.next(.link)
        try reader.require(20)
        let protocolField = try reader.u16()
        try reader.skip(2)
        let interfaceIndex = try reader.u32()
        let addressType = try reader.u16()
        let packetType = try reader.u8()
        let addressLength = try reader.u8()
        let source = try reader.mac()
        try reader.skip(2)
        try finish(&reader, packetType: UInt16(packetType), addressType: addressType, addressLength: Int(addressLength),
                   source: source, interfaceIndex: interfaceIndex, protocolField: protocolField, into: &packet)
    }

    /// ARPHRD_ETHER, ARPHRD_LOOPBACK: the types whose protocol field is an EtherType and whose
    /// address is a MAC.
    private static func isEthernetLike(_ addressType: UInt16) -> Bool { addressType == 1 || addressType == 772 }

    private static func finish(_ reader: inout ByteReader, packetType: UInt16, addressType: UInt16, addressLength: Int,
                               source: MACAddress, interfaceIndex: UInt32?, protocolField: UInt16,
                               into packet: inout DecodedPacket) throws(DecodeIssue) {
        guard isEthernetLike(addressType) || protocolField >= 0x0600 else {
            throw .unsupported(layer: .link, what: "cooked protocol 0x\(String(protocolField, radix: 16)) on ARPHRD \(addressType)")
        }
        let (tags, etherType) = try EtherTypeDispatch.readTags(&reader, etherType: protocolField)
        packet.linuxCooked = LinuxCookedHeader(
            packetType: packetType, linkLayerAddressType: addressType,
            sourceMAC: addressLength == 6 && isEthernetLike(addressType) ? source : nil,
            interfaceIndex: interfaceIndex, vlanTags: tags, etherType: etherType)
        try EtherTypeDispatch.decodeNetwork(reader, etherType: etherType, linkLayer: .link, into: &packet)
    }
}
