import CNetlink

/// A libnl call that failed, with libnl's own explanation. Every libnl return code becomes one of
/// these in `libnlCheck`, so no caller handles raw negative numbers.
public struct NetlinkError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The libnl function that failed (`nl_connect`, `nl_recvmsgs`...).
    public let operation: String
    /// libnl's error number (`NLE_*`, positive), or 0 when a call returned no object.
    public let code: Int32
    public let message: String

    public var description: String { "\(operation) failed: \(message)" }

    /// True when the kernel restarted a dump because the data changed while it was read.
    var isDumpInterrupted: Bool { code == NLE_DUMP_INTR }
}

/// Turns a libnl return code into a value or a `NetlinkError`: libnl returns negative `NLE_*` codes.
@discardableResult
func libnlCheck(_ result: Int32, _ operation: String) throws(NetlinkError) -> Int32 {
    guard result < 0 else { return result }
    let code = -result
    throw NetlinkError(operation: operation, code: code, message: String(cString: nl_geterror(code)))
}

/// For libnl constructors that return NULL on failure.
func libnlCheck<T>(_ pointer: T?, _ operation: String) throws(NetlinkError) -> T {
    guard let pointer else {
        throw NetlinkError(operation: operation, code: NLE_NOMEM, message: String(cString: nl_geterror(NLE_NOMEM)))
    }
    return pointer
}
