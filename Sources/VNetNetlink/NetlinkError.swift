import CNetlink

/// A netlink operation that failed, with libnl's own explanation. Every netlink user (route and
/// netfilter dumps, sock_diag, probe-port changes, link notifications, tc and XDP reads) throws this one
/// type: libnl return codes, errno values and replies that do not parse all become one here.
public struct NetlinkError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was being done (`nl_connect`, `rtnl_link_add vna0`, `receive RTM_GETLINK`...).
    public let operation: String
    /// libnl's error number (`NLE_*`, positive).
    public let code: Int32
    public let message: String

    public var description: String { "\(operation) failed: \(message)" }

    /// True when the kernel restarted a dump because the data changed while it was read.
    var isDumpInterrupted: Bool { code == NLE_DUMP_INTR }

    /// The link, route or address named by the request does not exist.
    package var isNoSuchObject: Bool { code == NLE_NODEV || code == NLE_OBJ_NOTFOUND }

    /// libnl's error `code` (positive `NLE_*`) with its text.
    package init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        message = String(cString: nl_geterror(code))
    }

    /// A reply that does not parse; `detail` says how.
    package init(_ operation: String, malformedReply detail: String) {
        self.operation = operation
        code = NLE_MSG_TRUNC
        message = detail
    }

    /// A failed system call, from its `errno`.
    package init(_ operation: String, errno: Int32) {
        self.init(operation, code: nl_syserr2nlerr(errno))
    }
}

/// Turns a libnl return code into a value or a `NetlinkError`: libnl returns negative `NLE_*` codes.
@discardableResult
package func libnlCheck(_ result: Int32, _ operation: String) throws(NetlinkError) -> Int32 {
    guard result < 0 else { return result }
    throw NetlinkError(operation, code: -result)
}

/// For libnl constructors that return NULL on failure.
package func libnlCheck<T>(_ pointer: T?, _ operation: String) throws(NetlinkError) -> T {
    guard let pointer else { throw NetlinkError(operation, code: NLE_NOMEM) }
    return pointer
}
