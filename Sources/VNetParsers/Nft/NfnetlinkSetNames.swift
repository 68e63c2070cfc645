/// A set named in an NFT_MSG_NEWSET message: what a GETSETELEM request must name.
public struct NfnetlinkSetName: Equatable, Sendable {
    /// nfgenmsg family (NFPROTO_*).
    public var nfproto: UInt8
    public var table: String
    public var name: String
}

extension NfnetlinkDecoder {
    /// The sets of the NEWSET messages in a (partial) dump, in order: the live reader asks for the
    /// elements of each.
    public static func setNames(in messages: [UInt8]) throws -> [NfnetlinkSetName] {
        try messages.withUnsafeBytes { raw in
            let b = NetlinkBytes(raw: raw)
            var out: [NfnetlinkSetName] = []
            var at = 0
            while at + 16 <= raw.count {
                let length = Int(b.hostU32(at: at))
                guard length >= 16, length <= raw.count - at else {
                    throw NftDecodingError(.malformed, file: "set list", location: "byte \(at)", message: "bad message length \(length)")
                }
                if b.hostU16(at: at + 4) == NfnetlinkMessage.nftablesSubsystem << 8 | NfnetlinkMessage.newSet, length >= 20 {
                    var table: String?, name: String?
                    do {
                        try b.forEachAttribute(in: NetlinkBytes.Span(start: at + 20, end: at + length)) { a in
                            if a.type == 1 { table = b.string(a.payload) }
                            if a.type == 2 { name = b.string(a.payload) }
                        }
                    } catch let f as NetlinkBytes.Failure {
                        throw NftDecodingError(f.kind, file: "set list", location: "byte \(f.offset)", message: f.message)
                    }
                    if let table, let name { out.append(NfnetlinkSetName(nfproto: raw[at + 16], table: table, name: name)) }
                }
                at += min((length + 3) & ~3, raw.count - at)
            }
            return out
        }
    }
}
