/// Netlink attributes (`struct nlattr`: length, type, value, padded to 4 bytes) read from bytes the
/// kernel sent. Every length is checked against the bytes at hand: a malformed attribute ends the
/// walk instead of reading past it, and a value of the wrong size reads as nil.
package struct NetlinkAttributes {
    /// Value bytes by attribute type (the first occurrence; flag bits stripped from the type).
    private var values: [UInt16: ArraySlice<UInt8>] = [:]
    /// True when the walk stopped at an attribute whose length did not fit.
    package private(set) var truncated = false

    /// `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER` live in the top bits of the type.
    private static let typeMask: UInt16 = 0x3fff
    private static let headerSize = 4

    package static func aligned(_ n: Int) -> Int { (n + 3) & ~3 }

    package init(_ bytes: ArraySlice<UInt8>) {
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= Self.headerSize {
            guard let length: UInt16 = bytes.nativeInteger(at: offset),
                  let rawType: UInt16 = bytes.nativeInteger(at: offset + 2),
                  Int(length) >= Self.headerSize, Int(length) <= bytes.endIndex - offset else {
                truncated = true
                return
            }
            let type = rawType & Self.typeMask
            if values[type] == nil { values[type] = bytes[offset + Self.headerSize ..< offset + Int(length)] }
            offset += min(Self.aligned(Int(length)), bytes.endIndex - offset)
        }
        if offset != bytes.endIndex { truncated = true }
    }

    package func has<T: BinaryInteger>(_ type: T) -> Bool { value(type) != nil }

    package func value<T: BinaryInteger>(_ type: T) -> ArraySlice<UInt8>? {
        guard let key = UInt16(exactly: type) else { return nil }
        return values[key]
    }

    package func u8<T: BinaryInteger>(_ type: T) -> UInt8? { integer(type) }
    package func u16<T: BinaryInteger>(_ type: T) -> UInt16? { integer(type) }
    package func u32<T: BinaryInteger>(_ type: T) -> UInt32? { integer(type) }
    package func s32<T: BinaryInteger>(_ type: T) -> Int32? { integer(type) }

    /// A NUL-terminated (or unterminated) string attribute.
    package func string<T: BinaryInteger>(_ type: T) -> String? {
        guard let bytes = value(type) else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    package func nested<T: BinaryInteger>(_ type: T) -> NetlinkAttributes? {
        value(type).map(NetlinkAttributes.init)
    }

    /// Integers in host byte order, as netlink sends them; the value must have exactly their size.
    private func integer<I: FixedWidthInteger, T: BinaryInteger>(_ type: T) -> I? {
        guard let bytes = value(type), bytes.count == MemoryLayout<I>.size else { return nil }
        return bytes.nativeInteger(at: bytes.startIndex)
    }
}

extension Collection where Element == UInt8, Index == Int {
    /// A host-byte-order integer at `offset`, or nil when the bytes end first.
    package func nativeInteger<I: FixedWidthInteger>(at offset: Int) -> I? {
        let size = MemoryLayout<I>.size
        guard offset >= startIndex, endIndex - offset >= size else { return nil }
        var value = I.zero
        withUnsafeMutableBytes(of: &value) { raw in
            for i in 0 ..< size { raw[i] = self[offset + i] }
        }
        return value
    }
}
