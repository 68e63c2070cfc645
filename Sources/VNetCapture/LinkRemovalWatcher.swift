import CNetlink
import VNetNetlink

/// Tells when network interfaces are deleted (or moved to another namespace), from the kernel's
/// RTM_DELLINK notifications on a NETLINK_ROUTE socket subscribed to the link group. libpcap is not
/// woken when its interface goes away, so a capture learns it here and stops that interface's handle.
/// Watches the network namespace of the thread that creates it.
final class LinkRemovalWatcher: @unchecked Sendable {
    private let socket: NetlinkSocket
    /// `struct ifinfomsg`: family, pad, type, index (at 4), flags, change.
    private static let ifinfoSize = 16
    private static let indexOffset = 4

    init() throws(NetlinkError) {
        socket = try NetlinkSocket(protocol: NETLINK_ROUTE, groups: [Int32(RTNLGRP_LINK.rawValue)])
    }

    /// Waits up to `timeoutMilliseconds` and returns the indexes of the links deleted meanwhile.
    func removedLinks(timeoutMilliseconds: Int32) -> [Int32] {
        // ENOBUFS: notifications were lost; the capture threads still notice on their next pcap error.
        guard let messages = try? socket.receive(timeoutMilliseconds: timeoutMilliseconds) else { return [] }
        return Self.deletedIndexes(in: messages)
    }

    /// The interface indexes of the RTM_DELLINK messages in one netlink datagram; a short or odd
    /// message ends the walk, never traps.
    static func deletedIndexes(in datagram: ArraySlice<UInt8>) -> [Int32] {
        deletedIndexes(in: NetlinkMessage.split(datagram).messages)
    }

    private static func deletedIndexes(in messages: [NetlinkMessage]) -> [Int32] {
        messages.compactMap { message in
            guard message.type == RTM_DELLINK, let header = message.familyHeader(size: ifinfoSize) else { return nil }
            return header.nativeInteger(at: header.startIndex + indexOffset)
        }
    }
}
