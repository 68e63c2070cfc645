/// DNS: the header (id, QR, opcode, rcode, answer count) and the first question's name. Compression
/// pointers must point strictly backwards, which bounds the walk and rejects loops.
enum DNSDecoder {
    static let maximumNameLength = 255

    static func decode(_ reader: ByteReader) throws(DecodeIssue) -> DNSMessage {
        var reader = reader
        try reader.require(12)
        let id = try reader.u16()
        let flags = try reader.u16()
        let questionCount = try reader.u16()
        let answerCount = try reader.u16()
        try reader.skip(4)
        return DNSMessage(id: id, isResponse: flags & 0x8000 != 0, opcode: UInt8(truncatingIfNeeded: flags >> 11 & 0x0f),
                          responseCode: UInt8(truncatingIfNeeded: flags & 0x0f),
                          questionName: questionCount > 0 ? try readName(&reader) : nil, answerCount: answerCount)
    }

    /// `gateway.lab` (no trailing dot), `.` for the root; bytes outside printable ASCII, dots and
    /// backslashes inside labels are written `\DDD` as dig does.
    static func readName(_ reader: inout ByteReader) throws(DecodeIssue) -> String {
        var name = ""
        var wireLength = 0
        var segmentStart = reader.offset
        while true {
            let length = try reader.u8()
            switch length >> 6 {
            case 0:
                if length == 0 { return name.isEmpty ? "." : name }
                wireLength += Int(length) + 1
                guard wireLength < maximumNameLength else {
                    throw .malformed(layer: .dns, reason: "name longer than 255 bytes")
                }
                try reader.require(Int(length))
                if !name.isEmpty { name.append(".") }
                for _ in 0..<length { append(try reader.u8(), to: &name) }
            case 3:
                let target = Int(length & 0x3f) << 8 | Int(try reader.u8())
                guard target < segmentStart else {
                    throw .malformed(layer: .dns, reason: "compression pointer does not point backwards (loop)")
                }
                try reader.seek(toOffset: target)
                segmentStart = target
            default:
                throw .malformed(layer: .dns, reason: "unknown label type")
            }
        }
    }

    private static func append(_ byte: UInt8, to name: inout String) {
        if byte > 0x20, byte < 0x7f, byte != UInt8(ascii: "."), byte != UInt8(ascii: "\\") {
            name.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            name.append("\\")
            let digits = String(byte)
            name.append(String(repeating: "0", count: 3 - digits.count) + digits)
        }
    }
}
