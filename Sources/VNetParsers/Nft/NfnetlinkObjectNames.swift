/// A set or chain named in an NFT_MSG_NEWSET / NEWCHAIN message: what a GETSETELEM or a
/// per-chain GETRULE request must name.
public struct NfnetlinkObjectName: Equatable, Sendable {
    /// nfgenmsg family (NFPROTO_*).
    public var nfproto: UInt8
    public var table: String
    public var name: String
}

extension NfnetlinkDecoder {
    /// The sets of the NEWSET messages in a (partial) dump, in order: the live reader asks for the
    /// elements of each.
    public static func setNames(in messages: [UInt8]) throws -> [NfnetlinkObjectName] {
        try objectNames(in: messages, type: NfnetlinkMessage.newSet, nameAttribute: 2)
    }

    /// The chains of the NEWCHAIN messages in a (partial) dump, in order: the live reader dumps the
    /// rules of each (the kernel resumes a whole-ruleset rule dump by walking every rule it already
    /// sent, which grows with the square of the rule count; per-chain dumps stay linear).
    public static func chainNames(in messages: [UInt8]) throws -> [NfnetlinkObjectName] {
        try objectNames(in: messages, type: NfnetlinkMessage.newChain, nameAttribute: 3)
    }

    private static func objectNames(in messages: [UInt8], type: UInt16, nameAttribute: UInt16) throws -> [NfnetlinkObjectName] {
        try messages.withUnsafeBytes { raw in
            let b = NetlinkBytes(raw: raw)
            var out: [NfnetlinkObjectName] = []
            var at = 0
            while at + 16 <= raw.count {
                let length = Int(b.hostU32(at: at))
                guard length >= 16, length <= raw.count - at else {
                    throw NftDecodingError(.malformed, file: "object list", location: "byte \(at)", message: "bad message length \(length)")
                }
                if b.hostU16(at: at + 4) == NfnetlinkMessage.nftablesSubsystem << 8 | type, length >= 20 {
                    var table: String?, name: String?
                    do {
                        try b.forEachAttribute(in: NetlinkBytes.Span(start: at + 20, end: at + length)) { a in
                            if a.type == 1 { table = b.string(a.payload) }
                            if a.type == nameAttribute { name = b.string(a.payload) }
                        }
                    } catch let f as NetlinkBytes.Failure {
                        throw NftDecodingError(f.kind, file: "object list", location: "byte \(f.offset)", message: f.message)
                    }
                    if let table, let name { out.append(NfnetlinkObjectName(nfproto: raw[at + 16], table: table, name: name)) }
                }
                at += min((length + 3) & ~3, raw.count - at)
            }
            return out
        }
    }
}
