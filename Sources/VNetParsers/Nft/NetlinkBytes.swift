/// A bounds-checked view of netlink bytes: every read is checked against the span it belongs to,
/// so no input can make the decoder read outside the buffer (or trap).
struct NetlinkBytes {
    let raw: UnsafeRawBufferPointer

    /// A byte range [start, end) inside `raw`, already checked to lie within it.
    struct Span {
        let start: Int
        let end: Int
        var count: Int { end - start }
    }

    /// Where a read failed, as a byte offset into the whole input.
    struct Failure: Error {
        let kind: NftDecodingError.Kind
        let offset: Int
        let message: String
    }

    func malformed(_ at: Int, _ message: String) -> Failure { Failure(kind: .malformed, offset: at, message: message) }

    func bytes(_ s: Span) -> [UInt8] { Array(UnsafeRawBufferPointer(rebasing: raw[s.start..<s.end])) }

    private func need(_ s: Span, _ n: Int, _ what: String) throws {
        guard s.count >= n else { throw malformed(s.start, "\(what): \(s.count) bytes, need \(n)") }
    }

    func u8(_ s: Span, _ what: String = "u8") throws -> UInt8 {
        try need(s, 1, what)
        return raw[s.start]
    }

    func hostU16(at offset: Int) -> UInt16 { UInt16(raw[offset]) | UInt16(raw[offset + 1]) << 8 }
    func hostU32(at offset: Int) -> UInt32 {
        UInt32(raw[offset]) | UInt32(raw[offset + 1]) << 8 | UInt32(raw[offset + 2]) << 16 | UInt32(raw[offset + 3]) << 24
    }

    func hostU32(_ s: Span, _ what: String = "u32") throws -> UInt32 {
        try need(s, 4, what)
        return hostU32(at: s.start)
    }

    func be16(_ s: Span, _ what: String = "be16") throws -> UInt16 {
        try need(s, 2, what)
        return UInt16(raw[s.start]) << 8 | UInt16(raw[s.start + 1])
    }

    func be32(_ s: Span, _ what: String = "be32") throws -> UInt32 {
        try need(s, 4, what)
        return UInt32(try be16(s)) << 16 | UInt32(try be16(Span(start: s.start + 2, end: s.end)))
    }

    func be64(_ s: Span, _ what: String = "be64") throws -> UInt64 {
        try need(s, 8, what)
        return UInt64(try be32(s)) << 32 | UInt64(try be32(Span(start: s.start + 4, end: s.end)))
    }

    /// A NUL-terminated (or span-long) string.
    func string(_ s: Span) -> String {
        var end = s.start
        while end < s.end && raw[end] != 0 { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: raw[s.start..<end]), as: UTF8.self)
    }

    /// One netlink attribute: type without the NESTED/BYTEORDER flag bits, and its payload.
    struct Attribute {
        let type: UInt16
        let payload: Span
    }

    /// Calls `body` for each attribute in `span` (nlattr: len u16, type u16, payload, 4-byte padding).
    func forEachAttribute(in span: Span, _ body: (Attribute) throws -> Void) throws {
        var at = span.start
        while at < span.end {
            guard span.end - at >= 4 else { throw malformed(at, "\(span.end - at) stray bytes after the last attribute") }
            let len = Int(hostU16(at: at))
            guard len >= 4 else { throw malformed(at, "attribute length \(len) below the 4-byte header") }
            guard len <= span.end - at else {
                throw malformed(at, "attribute of \(len) bytes overruns its container by \(len - (span.end - at))")
            }
            try body(Attribute(type: hostU16(at: at + 2) & 0x3fff, payload: Span(start: at + 4, end: at + len)))
            at += (len + 3) & ~3
        }
    }

    /// A readable dump of attributes (hex values, nested ones tried as attribute lists), used as the
    /// evidence text of expressions nobody decodes.
    func dump(_ span: Span, depth: Int = 0) -> String {
        var parts: [String] = []
        let ok: Void? = try? forEachAttribute(in: span) { attr in
            if depth < 3, attr.payload.count >= 4, let inner = try? nestedDump(attr.payload, depth: depth + 1) {
                parts.append("\(attr.type)={\(inner)}")
            } else {
                parts.append("\(attr.type)=0x" + hex(attr.payload))
            }
        }
        return ok == nil ? "0x" + hex(span) : parts.joined(separator: " ")
    }

    private func nestedDump(_ span: Span, depth: Int) throws -> String {
        try forEachAttribute(in: span) { _ in }
        return dump(span, depth: depth)
    }

    func hex(_ s: Span) -> String { Self.hex(UnsafeRawBufferPointer(rebasing: raw[s.start..<s.end])) }

    /// Lowercase hex of bytes (evidence text for blobs and attributes nobody decodes).
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = ""
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return out
    }

    private static let digits = Array("0123456789abcdef")
}
