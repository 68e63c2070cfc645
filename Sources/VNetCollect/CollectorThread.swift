import Foundation

/// One collector running on a thread of its own while the caller reads other parts of the host.
/// The thread is created by the calling thread, so it starts in the caller's network namespace
/// (unlike Dispatch pool threads, made by whichever thread needed them first): libiptc, netlink and
/// /proc/thread-self/net read inside it see the same namespace as the caller. Its malloc arena is
/// reserved in one step before the body runs (MallocArena).
final class CollectorThread<Value: Sendable>: @unchecked Sendable {
    private var result: Result<Value, Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            MallocArena.reserve(bytes: MallocArena.maximumReservation)
            result = Result { try body() }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits for the collector and returns its value or rethrows its error; call once.
    func join() -> Result<Value, Error> {
        done.wait()
        return result!
    }
}
