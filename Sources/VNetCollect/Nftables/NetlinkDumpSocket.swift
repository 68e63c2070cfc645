import Foundation
import CNetlink

public enum NetlinkDumpError: Error, CustomStringConvertible, Equatable {
    case socket(String)
    case send(String)
    case receive(String)
    case malformedReply(String)

    public var description: String {
        switch self {
        case .socket(let m): return "netlink socket: \(m)"
        case .send(let m): return "netlink send: \(m)"
        case .receive(let m): return "netlink receive: \(m)"
        case .malformedReply(let m): return "netlink reply: \(m)"
        }
    }
}

/// Owner of one libnl `nl_sock` used for request/dump exchanges in raw bytes: requests are sent
/// as built, replies are kept exactly as received (they are the evidence a snapshot keeps).
final class NetlinkDumpSocket {
    private let socket: OpaquePointer
    private var sequence: UInt32 = 1

    /// `proto` is NETLINK_NETFILTER or NETLINK_ROUTE. The receive buffer is large so one recvmsg
    /// takes a whole dump skb (the kernel sizes dump skbs by the reader's buffer, up to 32 KiB).
    init(protocol proto: Int32, receiveBuffer: Int = 1 << 20) throws {
        guard let sk = nl_socket_alloc() else { throw NetlinkDumpError.socket("nl_socket_alloc failed") }
        socket = sk
        let rc = nl_connect(sk, proto)
        guard rc == 0 else {
            nl_socket_free(sk)
            throw NetlinkDumpError.socket("nl_connect(\(proto)): \(String(cString: nl_geterror(rc)))")
        }
        _ = nl_socket_set_buffer_size(sk, Int32(4 << 20), 0)
        _ = nl_socket_set_msg_buf_size(sk, receiveBuffer)
        nl_socket_enable_msg_peek(sk)
    }

    deinit { nl_socket_free(socket) }

    /// Sends `header type/flags + body` and appends every reply message for it to `raw` until the
    /// dump's NLMSG_DONE (or the single reply of a non-dump request, or an error message).
    func exchange(type: UInt16, flags: UInt16, body: [UInt8], isDump: Bool, into raw: inout [UInt8]) throws {
        let seq = sequence
        sequence &+= 1
        var request = [UInt8]()
        request.reserveCapacity(16 + body.count)
        appendHost32(&request, UInt32(16 + body.count))
        appendHost16(&request, type)
        appendHost16(&request, flags)
        appendHost32(&request, seq)
        appendHost32(&request, 0)
        request += body
        let sent = request.withUnsafeMutableBytes { nl_sendto(socket, $0.baseAddress, $0.count) }
        guard sent >= 0 else { throw NetlinkDumpError.send(String(cString: nl_geterror(sent))) }

        while true {
            var peer = sockaddr_nl()
            var buffer: UnsafeMutablePointer<UInt8>?
            let n = nl_recv(socket, &peer, &buffer, nil)
            defer { free(buffer) }
            guard n > 0, let buffer else {
                throw NetlinkDumpError.receive(n == 0 ? "socket closed" : String(cString: nl_geterror(n)))
            }
            let chunk = UnsafeBufferPointer(start: buffer, count: Int(n))
            var finished = false
            var at = 0
            while at + 16 <= chunk.count {
                let length = Int(UInt32(chunk[at]) | UInt32(chunk[at + 1]) << 8 | UInt32(chunk[at + 2]) << 16 | UInt32(chunk[at + 3]) << 24)
                let msgType = UInt16(chunk[at + 4]) | UInt16(chunk[at + 5]) << 8
                let msgSeq = UInt32(chunk[at + 8]) | UInt32(chunk[at + 9]) << 8 | UInt32(chunk[at + 10]) << 16 | UInt32(chunk[at + 11]) << 24
                guard length >= 16, at + length <= chunk.count else {
                    throw NetlinkDumpError.malformedReply("message of \(length) bytes in a \(chunk.count)-byte read")
                }
                if msgSeq == seq {
                    raw.append(contentsOf: chunk[at..<(at + length)])
                    if msgType == 3 || msgType == 2 || !isDump { finished = true }
                }
                at += (length + 3) & ~3
            }
            if finished { return }
        }
    }

    private func appendHost16(_ b: inout [UInt8], _ v: UInt16) { b += [UInt8(v & 0xff), UInt8(v >> 8)] }
    private func appendHost32(_ b: inout [UInt8], _ v: UInt32) {
        b += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)]
    }
}
