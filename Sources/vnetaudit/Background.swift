import Dispatch
import Synchronization

/// A value computed on another thread while the caller goes on with other work; `value` waits for it.
/// `check` uses it to load the catalogue while the host is read, and to judge the claims while the
/// catalogue runs (the machine's other core would otherwise sit idle).
final class Background<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, any Error>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global().async { [self] in
            let outcome = Result { try work() }
            result.withLock { $0 = outcome }
            finished.signal()
        }
    }

    /// The work's value (or its error), once it is done.
    var value: Value {
        get throws {
            finished.wait()
            finished.signal()  // later reads do not wait
            return try result.withLock { $0! }.get()
        }
    }
}
