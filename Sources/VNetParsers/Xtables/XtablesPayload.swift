import VNetModel

/// Bounds-checked reads from an x_tables extension payload at explicit byte offsets. Every read past
/// the end answers nil, so a decoder given short or hostile bytes gives up instead of trapping.
/// Multi-byte fields are in the byte order of the host that produced them (x_tables payloads never
/// leave their host), except the fields the kernel declares `__be16`/`__be32`.
struct XtablesPayload {
    /// Borrowed bytes: valid only while the caller's buffer is.
    let bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var count: Int { bytes.count }

    func u8(_ offset: Int) -> UInt8? {
        offset >= 0 && offset < bytes.count ? bytes[offset] : nil
    }

    func u16(_ offset: Int) -> UInt16? { load(offset, as: UInt16.self) }
    func u32(_ offset: Int) -> UInt32? { load(offset, as: UInt32.self) }
    func i32(_ offset: Int) -> Int32? { load(offset, as: Int32.self) }
    func u64(_ offset: Int) -> UInt64? { load(offset, as: UInt64.self) }

    /// A `__be16` field (ports in NAT ranges, conntrack rev 1/2 ports).
    func be16(_ offset: Int) -> UInt16? {
        guard let hi = u8(offset), let lo = u8(offset + 1) else { return nil }
        return UInt16(hi) << 8 | UInt16(lo)
    }

    /// Network-order address bytes: 4 for IPv4, 16 for IPv6.
    func address(_ offset: Int, family: AddressFamily) -> IPAddress? {
        switch family {
        case .ipv4:
            return load(offset, as: UInt32.self).map { IPAddress(ipv4: UInt32(bigEndian: $0)) }
        case .ipv6:
            guard let high = load(offset, as: UInt64.self), let low = load(offset + 8, as: UInt64.self) else { return nil }
            return IPAddress(ipv6High: UInt64(bigEndian: high), low: UInt64(bigEndian: low))
        }
    }

    /// A NUL-terminated string in a fixed-size field; nil when the field does not fit.
    func cString(_ offset: Int, capacity: Int) -> String? {
        guard offset >= 0, capacity >= 0, offset + capacity <= bytes.count else { return nil }
        let field = bytes[offset..<(offset + capacity)]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[..<end], as: UTF8.self)
    }

    private func load<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset + size <= bytes.count else { return nil }
        return bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    }
}
