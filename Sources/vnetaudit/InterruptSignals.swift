import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM caught only while a capture runs: the first asks the capture to end (the report
/// is still written, marked interrupted); a second one exits at once. Outside a capture the default
/// handlers stand, so Ctrl-C elsewhere ends vnetaudit as usual.
enum InterruptSignals {
    private static let signals = [SIGINT, SIGTERM]

    /// Installs the handlers, runs `body`, and restores the previous handlers whatever happens. Nested
    /// calls (a capture inside a probe run) keep the count, so a signal during the outer part is seen by
    /// the inner one.
    static func catching<T>(_ body: () throws -> T) rethrows -> T {
        if depth.add(1, ordering: .relaxed).oldValue == 0 { receivedCount.store(0, ordering: .relaxed) }
        defer { depth.subtract(1, ordering: .relaxed) }
        let previous = signals.map { signal($0, onInterrupt) }
        defer { for (number, handler) in zip(signals, previous) { signal(number, handler) } }
        // A parent may have started vnetaudit with these signals blocked (the mask is inherited, e.g. by
        // programs spawned from a thread pool): unblock them on this thread, or a caught signal would wait
        // for ever.
        var set = sigset_t(), old = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        return try body()
    }

    /// True once a signal arrived while the handlers were installed.
    static var received: Bool { receivedCount.load(ordering: .relaxed) > 0 }
}

/// Signals received since `catching` began. Only lock-free atomics and _exit here: this runs inside a
/// signal handler.
private let receivedCount = Atomic<Int>(0)
/// How many `catching` calls are running (nested).
private let depth = Atomic<Int>(0)

private func onInterrupt(_ number: Int32) {
    if receivedCount.add(1, ordering: .relaxed).newValue >= 2 { _exit(128 + number) }
}
