import CNetlink

/// One netlink message: the kernel's bytes, and libnl's decoding of them when libnl knows the
/// message type. Keeping both lets a decoder use libnl's getters and still read attributes libnl
/// does not expose, from the very same message (no second dump, no race between two reads).
package struct NetlinkMessage {
    /// The whole message, `struct nlmsghdr` included.
    package let bytes: [UInt8]
    /// libnl's object for this message (nil for protocols libnl has no parser for, or on failure).
    package let object: LibnlObject?
    /// Why libnl could not parse the message, when it could not.
    package let parseError: NetlinkError?

    /// `struct nlmsghdr`: length, type, flags, sequence, port id.
    package static let headerSize = 16

    package init(bytes: [UInt8], object: LibnlObject? = nil, parseError: NetlinkError? = nil) {
        self.bytes = bytes
        self.object = object
        self.parseError = parseError
    }

    package var type: UInt16 { bytes.nativeInteger(at: 4) ?? 0 }
    package var flags: UInt16 { bytes.nativeInteger(at: 6) ?? 0 }
    package var sequence: UInt32 { bytes.nativeInteger(at: 8) ?? 0 }

    /// The family header after `struct nlmsghdr` (ifinfomsg, rtmsg...), `size` bytes; nil if short.
    package func familyHeader(size: Int) -> ArraySlice<UInt8>? {
        let start = Self.headerSize
        guard bytes.count >= start + size else { return nil }
        return bytes[start ..< start + size]
    }

    /// The attributes after a family header of `familyHeaderSize` bytes.
    package func attributes(familyHeaderSize: Int) -> NetlinkAttributes {
        let start = Self.headerSize + NetlinkAttributes.aligned(familyHeaderSize)
        guard bytes.count > start else { return NetlinkAttributes(ArraySlice()) }
        return NetlinkAttributes(bytes[start...])
    }

    /// The messages of one datagram, in order. Every length is checked before it is used: a message
    /// shorter than its header or longer than the bytes left ends the walk, and `malformed` says so.
    package static func split<C: Collection>(_ datagram: C) -> (messages: [NetlinkMessage], malformed: Bool)
    where C.Element == UInt8, C.Index == Int {
        var messages: [NetlinkMessage] = []
        var offset = datagram.startIndex
        while offset < datagram.endIndex {
            guard let length32: UInt32 = datagram.nativeInteger(at: offset),
                  let length = Int(exactly: length32), length >= headerSize,
                  length <= datagram.endIndex - offset else { return (messages, true) }
            messages.append(NetlinkMessage(bytes: Array(datagram[offset ..< offset + length])))
            offset += min(NetlinkAttributes.aligned(length), datagram.endIndex - offset)
        }
        return (messages, false)
    }
}
