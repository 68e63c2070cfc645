import CNetlink
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private, unnamed network namespace held only by this process's file descriptor: nothing of it is
/// visible under /run/netns, and if the process dies the kernel removes it with the probe's veth.
final class ProbeNamespace: @unchecked Sendable {
    let descriptor: Int32

    /// Made by a short-lived thread that unshares its network namespace and keeps a descriptor of it.
    init() throws {
        let box = Box<Result<Int32, Error>>()
        NamespaceThread.runDetachedAndWait {
            guard vnetaudit_new_netns() == 0 else {
                box.value = .failure(ProbeError.system("unshare(CLONE_NEWNET)", errno))
                return
            }
            let fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
            box.value = fd >= 0 ? .success(fd) : .failure(ProbeError.system("open /proc/thread-self/ns/net", errno))
        }
        descriptor = try box.value!.get()
    }

    deinit { close(descriptor) }

    /// Runs `body` on a fresh thread inside the namespace (sockets made there belong to it).
    func run<T>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        try NamespaceThread.run(enteringDescriptor: descriptor, body)
    }
}

/// Threads that enter a network namespace for one body and end with it.
enum NamespaceThread {
    /// `body` on a fresh thread that first setns(2)s into `fd` (nil: stays in the caller's namespace).
    static func run<T>(enteringDescriptor fd: Int32?, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = Box<Result<T, Error>>()
        runDetachedAndWait {
            if let fd, vnetaudit_enter_netns(fd) != 0 {
                box.value = .failure(ProbeError.system("setns", errno))
                return
            }
            box.value = Result { try body() }
        }
        return try box.value!.get()
    }

    /// `body` on a new thread; returns when it has ended. A thread whose namespace changed must not be
    /// reused, so this never uses a pool.
    static func runDetachedAndWait(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        done.wait()
    }
}

final class Box<T>: @unchecked Sendable {
    var value: T?
}
