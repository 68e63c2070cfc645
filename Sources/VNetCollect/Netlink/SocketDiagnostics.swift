import CNetlink
import VNetNetlink
import VNetModel

/// Reads TCP and UDP sockets through sock_diag (`NETLINK_SOCK_DIAG`, inet_diag), with the interface
/// each is bound to (`SO_BINDTODEVICE`): /proc/net does not show it. Sees the sockets of the network
/// namespace of the calling thread.
final class SocketDiagnostics {
    private let socket: NetlinkSocket

    /// `struct inet_diag_req_v2` and the `struct inet_diag_msg` replies, laid out as linux/inet_diag.h says.
    private static let requestSize = MemoryLayout<inet_diag_req_v2>.size
    private static let statesOffset = MemoryLayout<inet_diag_req_v2>.offset(of: \.idiag_states)!
    private static let replySize = MemoryLayout<inet_diag_msg>.size
    /// `idiag_sport` is in network order, `idiag_if` and `idiag_inode` in host order.
    private static let portOffset = MemoryLayout<inet_diag_msg>.offset(of: \.id.idiag_sport)!
    private static let addressOffset = MemoryLayout<inet_diag_msg>.offset(of: \.id.idiag_src)!
    private static let interfaceOffset = MemoryLayout<inet_diag_msg>.offset(of: \.id.idiag_if)!
    private static let inodeOffset = MemoryLayout<inet_diag_msg>.offset(of: \.idiag_inode)!

    /// One socket as inet_diag describes it.
    struct Socket {
        var address: IPAddress
        var port: Int
        var inode: UInt64
        /// The `SO_BINDTODEVICE` interface index; 0 when not bound to a device.
        var interface: Int
    }

    init() throws(NetlinkError) {
        socket = try NetlinkSocket(protocol: NETLINK_SOCK_DIAG)
    }

    /// Sockets of `family` (AF_INET/AF_INET6) and `ipProtocol` (IPPROTO_TCP/UDP) in the TCP states of
    /// the `states` bit mask (bit n = state n). Asking TCP for listening sockets only spares the kernel
    /// the walk of every established-connection bucket that /proc/net/tcp costs.
    func sockets(family: UInt8, ipProtocol: UInt8, states: UInt32) throws(NetlinkError) -> [Socket] {
        var request = [UInt8](repeating: 0, count: Self.requestSize)
        request[0] = family
        request[1] = ipProtocol
        withUnsafeBytes(of: states) { for (offset, byte) in $0.enumerated() { request[Self.statesOffset + offset] = byte } }
        let addressSize = Int(family) == Int(AF_INET) ? 4 : 16
        var sockets: [Socket] = []
        for message in try socket.dump(type: Int(SOCK_DIAG_BY_FAMILY), request: request, parse: false) {
            guard Int(message.type) == Int(SOCK_DIAG_BY_FAMILY),
                  let reply = message.familyHeader(size: Self.replySize),
                  let port: UInt16 = reply.nativeInteger(at: reply.startIndex + Self.portOffset),
                  let address = IPAddress(bytes: reply[(reply.startIndex + Self.addressOffset)...].prefix(addressSize)),
                  let interface: UInt32 = reply.nativeInteger(at: reply.startIndex + Self.interfaceOffset),
                  let inode: UInt32 = reply.nativeInteger(at: reply.startIndex + Self.inodeOffset) else { continue }
            sockets.append(Socket(address: address, port: Int(UInt16(bigEndian: port)), inode: UInt64(inode), interface: Int(interface)))
        }
        return sockets
    }

    /// Interface index by socket inode for the sockets `sockets(family:ipProtocol:states:)` finds;
    /// sockets not bound to a device are left out.
    func boundInterfaces(family: UInt8, ipProtocol: UInt8, states: UInt32) throws(NetlinkError) -> [UInt64: Int] {
        var interfaces: [UInt64: Int] = [:]
        for socket in try sockets(family: family, ipProtocol: ipProtocol, states: states) where socket.interface != 0 {
            interfaces[socket.inode] = socket.interface
        }
        return interfaces
    }
}
