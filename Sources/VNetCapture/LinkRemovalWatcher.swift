import CNetlink
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tells when network interfaces are deleted (or moved to another namespace), from the kernel's
/// RTM_DELLINK notifications on a NETLINK_ROUTE socket subscribed to the link group. libpcap is not
/// woken when its interface goes away, so a capture learns it here and stops that interface's handle.
/// Watches the network namespace of the thread that creates it.
final class LinkRemovalWatcher: @unchecked Sendable {
    private let descriptor: Int32

    init() throws {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE)
        guard fd >= 0 else { throw PcapError(operation: "watch links", message: String(cString: strerror(errno))) }
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = UInt32(RTMGRP_LINK)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
        }
        guard bound == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw PcapError(operation: "watch links", message: message)
        }
        descriptor = fd
    }

    deinit { Glibc.close(descriptor) }

    /// Waits up to `timeoutMilliseconds` and returns the indexes of the links deleted meanwhile.
    func removedLinks(timeoutMilliseconds: Int32) -> [Int32] {
        var fds = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&fds, 1, timeoutMilliseconds) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        // ENOBUFS: notifications were lost; the capture threads still notice on their next pcap error.
        guard count > 0 else { return [] }
        return Self.deletedIndexes(in: buffer.prefix(count))
    }

    /// The interface indexes of the RTM_DELLINK messages in one netlink datagram. Lengths are
    /// checked before every read: a short or odd message ends the walk, never traps.
    static func deletedIndexes(in datagram: ArraySlice<UInt8>) -> [Int32] {
        let bytes = Array(datagram)
        let headerSize = 16, ifinfoSize = 16
        var indexes: [Int32] = []
        var offset = 0
        while offset + headerSize <= bytes.count {
            let length = Int(readUInt32(bytes, offset))
            let type = Int32(readUInt16(bytes, offset + 4))
            guard length >= headerSize, offset + length <= bytes.count else { break }
            if type == RTM_DELLINK, length >= headerSize + ifinfoSize {
                indexes.append(Int32(bitPattern: readUInt32(bytes, offset + headerSize + 4)))
            }
            offset += (length + 3) & ~3
        }
        return indexes
    }

    /// Host byte order, as netlink sends it.
    private static func readUInt32(_ b: [UInt8], _ i: Int) -> UInt32 {
        b[i..<i + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    private static func readUInt16(_ b: [UInt8], _ i: Int) -> UInt16 {
        b[i..<i + 2].withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
    }
}
