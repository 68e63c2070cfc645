import CNetlink

/// Owner of one libnl socket (`struct nl_sock`) connected to a netlink protocol in the network
/// namespace of the thread that made it. It only ever sends dump requests: reading changes nothing.
final class NetlinkSocket {
    private let handle: OpaquePointer
    /// A dump the kernel keeps restarting (the data changes under it) is retried this many times.
    private static let dumpAttempts = 5

    /// `netlinkProtocol`: `NETLINK_ROUTE`, `NETLINK_SOCK_DIAG`...
    init(protocol netlinkProtocol: Int32) throws(NetlinkError) {
        let socket = try libnlCheck(nl_socket_alloc(), "nl_socket_alloc")
        // Size the receive buffer from each datagram (MSG_PEEK) so no large dump message is cut.
        nl_socket_enable_msg_peek(socket)
        do {
            try libnlCheck(nl_connect(socket, netlinkProtocol), "nl_connect")
        } catch {
            nl_socket_free(socket)
            throw error
        }
        handle = socket
    }

    deinit { nl_socket_free(handle) }

    /// Sends `NLM_F_DUMP` request `type` with the family header `request` and returns every answer,
    /// each with libnl's parsed object when `parse` is set.
    func dump(type: Int, request: [UInt8], parse: Bool) throws(NetlinkError) -> [NetlinkMessage] {
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
        try libnlCheck(nl_send_simple(handle, Int32(type), NLM_F_ROOT | NLM_F_MATCH, &body, body.count), "nl_send_simple")
        try libnlCheck(nl_recvmsgs(handle, callback.handle), "nl_recvmsgs")
        return collector.messages
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
