import CNetlink

/// Reads which interface TCP and UDP sockets are bound to (`SO_BINDTODEVICE`) through sock_diag
/// (`NETLINK_SOCK_DIAG`, inet_diag): /proc/net does not show it. Sees the sockets of the network
/// namespace of the calling thread.
final class SocketDiagnostics {
    private let socket: NetlinkSocket

    /// `struct inet_diag_req_v2`: family, protocol, extensions, pad, states, `struct inet_diag_sockid`.
    private static let requestSize = 56
    /// `struct inet_diag_msg`: `idiag_if` (host order) at 40, `idiag_inode` at 68.
    private static let replySize = 72
    private static let interfaceOffset = 40
    private static let inodeOffset = 68

    init() throws {
        socket = try NetlinkSocket(protocol: NETLINK_SOCK_DIAG)
    }

    /// Interface index by socket inode, for sockets of `family` (AF_INET/AF_INET6) and `ipProtocol`
    /// (IPPROTO_TCP/UDP) in the TCP states of the `states` bit mask (bit n = state n). Sockets
    /// not bound to a device are left out.
    func boundInterfaces(family: UInt8, ipProtocol: UInt8, states: UInt32) throws -> [UInt64: Int] {
        var request = [UInt8](repeating: 0, count: Self.requestSize)
        request[0] = family
        request[1] = ipProtocol
        withUnsafeBytes(of: states) { for (offset, byte) in $0.enumerated() { request[4 + offset] = byte } }
        var interfaces: [UInt64: Int] = [:]
        for message in try socket.dump(type: Int(SOCK_DIAG_BY_FAMILY), request: request, parse: false) {
            guard Int(message.type) == Int(SOCK_DIAG_BY_FAMILY),
                  let reply = message.familyHeader(size: Self.replySize),
                  let interface: UInt32 = reply.nativeInteger(at: reply.startIndex + Self.interfaceOffset),
                  let inode: UInt32 = reply.nativeInteger(at: reply.startIndex + Self.inodeOffset),
                  interface != 0 else { continue }
            interfaces[UInt64(inode)] = Int(interface)
        }
        return interfaces
    }
}
