import Foundation
import CNetlink
#if canImport(Glibc)
import Glibc
#endif

public enum NetworkNamespaceError: Error, CustomStringConvertible, Equatable {
    case notFound(String)
    case setnsFailed(String, errno: Int32)

    public var description: String {
        switch self {
        case .notFound(let name): return "network namespace '\(name)' not found (no /run/netns/\(name))"
        case .setnsFailed(let name, let e): return "cannot enter network namespace '\(name)': \(String(cString: strerror(e)))"
        }
    }
}

/// Runs code inside another network namespace without touching the calling thread: the body runs on
/// a fresh thread that enters the namespace with setns(2) and ends with it. Netlink sockets, libiptc,
/// libnftables and /proc/sys/net opened inside the body see that namespace. (Use
/// /proc/thread-self/net, not /proc/self/net, which follows the main thread.)
public enum NetworkNamespace {
    public static func run<T: Sendable>(named name: String, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let path = "/run/netns/\(name)"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NetworkNamespaceError.notFound(name) }
        defer { close(fd) }
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            guard vnetaudit_enter_netns(fd) == 0 else {
                box.result = .failure(NetworkNamespaceError.setnsFailed(name, errno: errno))
                return
            }
            box.result = Result { try body() }
        }
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        guard let result = box.result else { throw NetworkNamespaceError.setnsFailed(name, errno: EINVAL) }
        return try result.get()
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
