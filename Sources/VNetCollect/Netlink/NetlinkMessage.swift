import CNetlink

/// One message of a netlink dump: the kernel's bytes, and libnl's decoding of them when libnl knows
/// the message type. Keeping both lets a decoder use libnl's getters and still read attributes
/// libnl does not expose, from the very same message (no second dump, no race between two reads).
struct NetlinkMessage {
    /// The whole message, `struct nlmsghdr` included.
    let bytes: [UInt8]
    /// libnl's object for this message (nil for protocols libnl has no parser for, or on failure).
    let object: LibnlObject?
    /// Why libnl could not parse the message, when it could not.
    let parseError: NetlinkError?

    static let headerSize = 16

    var type: UInt16 { bytes.nativeInteger(at: 4) ?? 0 }

    /// The family header after `struct nlmsghdr` (ifinfomsg, rtmsg...), `size` bytes; nil if short.
    func familyHeader(size: Int) -> ArraySlice<UInt8>? {
        let start = Self.headerSize
        guard bytes.count >= start + size else { return nil }
        return bytes[start ..< start + size]
    }

    /// The attributes after a family header of `familyHeaderSize` bytes.
    func attributes(familyHeaderSize: Int) -> NetlinkAttributes {
        let start = Self.headerSize + NetlinkAttributes.aligned(familyHeaderSize)
        guard bytes.count > start else { return NetlinkAttributes(ArraySlice()) }
        return NetlinkAttributes(bytes[start...])
    }
}
