import CNetlink
#if canImport(Glibc)
import Glibc
#endif

/// Owner of one libnl socket (`struct nl_sock`) connected to a netlink protocol in the network
/// namespace of the thread that made it; freed in deinit. The only netlink socket of the tool: dumps
/// decoded by libnl, raw request/reply exchanges kept as evidence, libnl-route changes, and
/// notifications of subscribed groups all go through it and fail as `NetlinkError`.
package final class NetlinkSocket {
    private let handle: OpaquePointer
    /// A dump the kernel keeps restarting (the data changes under it) is retried this many times.
    private static let dumpAttempts = 5
    /// Kernel socket buffer of a socket that asks for a large message buffer: a whole dump skb fits.
    private static let largeSocketBuffer: Int32 = 4 << 20

    /// `netlinkProtocol`: `NETLINK_ROUTE`, `NETLINK_NETFILTER`, `NETLINK_SOCK_DIAG`. `messageBuffer`
    /// sizes each receive (the kernel sizes dump skbs by the reader's buffer, up to 32 KiB); `groups`
    /// (`RTNLGRP_*`) subscribes to notifications.
    package init(protocol netlinkProtocol: Int32, messageBuffer: Int? = nil, groups: [Int32] = []) throws(NetlinkError) {
        let socket = try libnlCheck(nl_socket_alloc(), "nl_socket_alloc")
        // Size the receive buffer from each datagram (MSG_PEEK) so no large dump message is cut.
        nl_socket_enable_msg_peek(socket)
        do {
            try libnlCheck(nl_connect(socket, netlinkProtocol), "nl_connect(\(netlinkProtocol))")
            if let messageBuffer {
                try libnlCheck(nl_socket_set_buffer_size(socket, Self.largeSocketBuffer, 0), "nl_socket_set_buffer_size")
                try libnlCheck(nl_socket_set_msg_buf_size(socket, messageBuffer), "nl_socket_set_msg_buf_size")
            }
            for group in groups {
                try libnlCheck(nl_socket_add_membership(socket, group), "nl_socket_add_membership(\(group))")
            }
        } catch {
            nl_socket_free(socket)
            throw error
        }
        handle = socket
    }

    deinit { nl_socket_free(handle) }

    /// Runs one libnl call that needs the socket (`rtnl_link_add`...) and turns its code into a
    /// `NetlinkError` naming `operation`. The pointer is lent for the call only.
    @discardableResult
    package func call(_ operation: @autoclosure () -> String, _ body: (OpaquePointer) -> Int32) throws(NetlinkError) -> Int32 {
        let result = body(handle)
        guard result < 0 else { return result }
        throw NetlinkError(operation(), code: -result)
    }

    /// Sends `NLM_F_DUMP` request `type` with the family header `request` and returns every answer,
    /// each with libnl's parsed object when `parse` is set.
    package func dump(type: Int, request: [UInt8], parse: Bool) throws(NetlinkError) -> [NetlinkMessage] {
        var attempt = 1
        while true {
            do {
                return try dumpOnce(type: type, request: request, parse: parse)
            } catch where error.isDumpInterrupted && attempt < Self.dumpAttempts {
                attempt += 1
            }
        }
    }

    private func dumpOnce(type: Int, request: [UInt8], parse: Bool) throws(NetlinkError) -> [NetlinkMessage] {
        let callback = try NetlinkCallback()
        let collector = DumpCollector(parse: parse)
        let context = Unmanaged.passUnretained(collector).toOpaque()
        try libnlCheck(nl_cb_set(callback.handle, NL_CB_VALID, NL_CB_CUSTOM, collectMessage, context), "nl_cb_set")
        var body = request
        try libnlCheck(nl_send_simple(handle, Int32(type), NetlinkConstants.dumpRequestFlags, &body, body.count), "nl_send_simple")
        try libnlCheck(nl_recvmsgs(handle, callback.handle), "nl_recvmsgs")
        return collector.messages
    }

    /// Sends `nlmsghdr(type, flags) + body` as built and appends every reply message for it to `raw`,
    /// bytes exactly as received (a snapshot keeps them as evidence), until the dump's `NLMSG_DONE`,
    /// an error message, or the single reply of a request that is not a dump.
    package func exchange(type: UInt16, flags: UInt16, body: [UInt8], into raw: inout [UInt8]) throws(NetlinkError) {
        let sequence = UInt32(truncatingIfNeeded: nl_socket_use_seq(handle))
        var request = [UInt8]()
        request.reserveCapacity(NetlinkMessage.headerSize + body.count)
        appendNative(&request, UInt32(NetlinkMessage.headerSize + body.count))
        appendNative(&request, type)
        appendNative(&request, flags)
        appendNative(&request, sequence)
        appendNative(&request, UInt32(0))
        request += body
        let sent = request.withUnsafeMutableBytes { nl_sendto(handle, $0.baseAddress, $0.count) }
        try libnlCheck(sent, "send netlink message type \(type)")

        let isDump = flags & NetlinkConstants.dumpFlag == NetlinkConstants.dumpFlag
        while true {
            let (messages, malformed) = NetlinkMessage.split(try receiveDatagram("receive reply to type \(type)"))
            if malformed {
                throw NetlinkError("receive reply to type \(type)", malformedReply: "a message length does not fit the datagram")
            }
            var finished = false
            for message in messages where message.sequence == sequence {
                raw += message.bytes
                if message.type == NetlinkConstants.done || message.type == NetlinkConstants.error || !isDump { finished = true }
            }
            if finished { return }
        }
    }

    /// The messages that arrive within `timeoutMilliseconds` (notifications of the subscribed groups);
    /// empty when none came.
    package func receive(timeoutMilliseconds: Int32) throws(NetlinkError) -> [NetlinkMessage] {
        var descriptor = pollfd(fd: nl_socket_get_fd(handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        guard ready >= 0 else { throw NetlinkError("poll netlink socket", errno: errno) }
        guard ready > 0 else { return [] }
        return NetlinkMessage.split(try receiveDatagram("receive notifications")).messages
    }

    /// One datagram, whole (libnl peeks at its size first).
    private func receiveDatagram(_ operation: String) throws(NetlinkError) -> [UInt8] {
        var peer = sockaddr_nl()
        var buffer: UnsafeMutablePointer<UInt8>?
        let count = nl_recv(handle, &peer, &buffer, nil)
        defer { free(buffer) }
        try libnlCheck(count, operation)
        guard count > 0, let buffer else { throw NetlinkError(operation, malformedReply: "the socket was closed") }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(count)))
    }

    private func appendNative<I: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: I) {
        withUnsafeBytes(of: value) { bytes += $0 }
    }
}

/// Gathers the messages of one dump; reached from libnl's C callbacks through a context pointer.
private final class DumpCollector {
    let parse: Bool
    var messages: [NetlinkMessage] = []
    /// Set by `keepParsedObject` while `nl_msg_parse` runs for the current message.
    var parsedObject: LibnlObject?

    init(parse: Bool) { self.parse = parse }

    func add(_ message: OpaquePointer) {
        guard let header = nlmsg_hdr(message) else { return }
        // libnl has checked nlmsg_len against the datagram before calling back.
        let length = Int(header.pointee.nlmsg_len)
        let bytes = [UInt8](UnsafeRawBufferPointer(start: header, count: length))
        var parseError: NetlinkError?
        parsedObject = nil
        if parse {
            let context = Unmanaged.passUnretained(self).toOpaque()
            do {
                try libnlCheck(nl_msg_parse(message, keepParsedObject, context), "nl_msg_parse")
            } catch {
                parseError = error
            }
        }
        messages.append(NetlinkMessage(bytes: bytes, object: parsedObject, parseError: parseError))
        parsedObject = nil
    }
}

/// `NL_CB_VALID` callback: every data message of the dump.
private func collectMessage(_ message: OpaquePointer?, _ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let message, let context else { return Int32(NL_SKIP.rawValue) }
    Unmanaged<DumpCollector>.fromOpaque(context).takeUnretainedValue().add(message)
    return Int32(NL_OK.rawValue)
}

/// `nl_msg_parse` callback: libnl's object for the message being collected.
private func keepParsedObject(_ object: OpaquePointer?, _ context: UnsafeMutableRawPointer?) {
    guard let object, let context else { return }
    Unmanaged<DumpCollector>.fromOpaque(context).takeUnretainedValue().parsedObject = LibnlObject(retaining: object)
}
