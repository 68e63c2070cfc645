/// Ethernet II (LINKTYPE_ETHERNET), with any 802.1Q/802.1ad tags.
enum EthernetDecoder {
    static func decode(_ frame: ByteReader, into packet: inout DecodedPacket) throws(DecodeIssue) {
        var reader = frame.next(.ethernet)
        try reader.require(14)
        let destination = try reader.mac()
        let source = try reader.mac()
        let (tags, etherType) = try EtherTypeDispatch.readTags(&reader, etherType: try reader.u16())
        packet.ethernet = EthernetHeader(sourceMAC: source, destinationMAC: destination, vlanTags: tags, etherType: etherType)
        try EtherTypeDispatch.decodeNetwork(reader, etherType: etherType, linkLayer: .ethernet, into: &packet)
    }
}
