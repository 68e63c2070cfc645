import VNetModel

/// IPv6: the fixed header, then extension headers walked to the upper-layer protocol.
enum IPv6Decoder {
    static func decode(_ link: ByteReader, into packet: inout DecodedPacket) throws(DecodeIssue) {
        var header = link.next(.ipv6)
        try header.require(40)
        guard try header.peek() >> 4 == 6 else { throw .malformed(layer: .ipv6, reason: "version is not 6") }
        try header.skip(4)
        let payloadLength = Int(try header.u16())
        let nextHeader = try header.u8()
        let hopLimit = try header.u8()
        let source = try header.ipv6()
        let destination = try header.ipv6()
        // A payload length of 0 before a hop-by-hop header is a jumbogram: its length is in an option.
        let isJumbogram = payloadLength == 0 && nextHeader == IPv6Extensions.hopByHop
        var reader = link.next(.ipv6, declaredLength: isJumbogram ? nil : 40 + payloadLength)
        try reader.skip(40)

        var extensions = reader.next(.ipv6Extension)
        let upper = try IPv6Extensions.walk(&extensions, first: nextHeader)
        packet.ip = IPHeader(source: source, destination: destination, protocolNumber: upper.protocolNumber,
                             hopLimit: hopLimit,
                             totalLength: isJumbogram ? reader.end - reader.start : 40 + payloadLength,
                             fragment: upper.fragment)
        guard upper.fragment?.offset ?? 0 == 0 else { return }
        let isWhole = upper.fragment.map { !$0.moreFragments } ?? true
        try TransportDispatch.decode(extensions.next(.ipv6), protocolNumber: upper.protocolNumber, family: .ipv6,
                                     isWhole: isWhole, into: &packet)
    }
}

/// The IPv6 extension-header chain, shared by packets and the packets ICMPv6 errors quote.
enum IPv6Extensions {
    static let hopByHop: UInt8 = 0
    static let routing: UInt8 = 43
    static let fragment: UInt8 = 44
    static let encapsulatingSecurity: UInt8 = 50
    static let authentication: UInt8 = 51
    static let noNextHeader: UInt8 = 59
    static let destinationOptions: UInt8 = 60

    struct UpperLayer {
        /// The first header that is no extension header (or ESP, 59): what the payload is.
        var protocolNumber: UInt8
        var fragment: IPHeader.Fragment?
    }

    /// Walks from `first` over hop-by-hop, routing, fragment, destination-options and AH headers; stops at
    /// anything else, at ESP (encrypted from there) and after a non-first fragment (no headers follow).
    static func walk(_ reader: inout ByteReader, first: UInt8) throws(DecodeIssue) -> UpperLayer {
        var next = first
        var fragment: IPHeader.Fragment?
        while true {
            switch next {
            case hopByHop, routing, destinationOptions:
                try reader.require(2)
                next = try reader.u8()
                let length = (Int(try reader.u8()) + 1) * 8
                try reader.skip(length - 2)
            case authentication:
                try reader.require(2)
                next = try reader.u8()
                let length = (Int(try reader.u8()) + 2) * 4
                try reader.skip(length - 2)
            case IPv6Extensions.fragment:
                try reader.require(8)
                next = try reader.u8()
                try reader.skip(1)
                let offsetAndFlags = try reader.u16()
                let identification = try reader.u32()
                let found = IPHeader.Fragment(identification: identification, offset: Int(offsetAndFlags & 0xfff8),
                                              moreFragments: offsetAndFlags & 1 != 0)
                fragment = found
                if found.offset != 0 { return UpperLayer(protocolNumber: next, fragment: fragment) }
            default:
                return UpperLayer(protocolNumber: next, fragment: fragment)
            }
        }
    }
}
