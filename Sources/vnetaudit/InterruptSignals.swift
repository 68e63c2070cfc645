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

    /// Installs the handlers, runs `body`, and restores the previous handlers whatever happens.
    static func catching<T>(_ body: () throws -> T) rethrows -> T {
        receivedCount.store(0, ordering: .relaxed)
        let previous = signals.map { signal($0, onInterrupt) }
        defer { for (number, handler) in zip(signals, previous) { signal(number, handler) } }
        return try body()
    }

    /// True once a signal arrived while the handlers were installed.
    static var received: Bool { receivedCount.load(ordering: .relaxed) > 0 }
}

/// Signals received since `catching` began. Only lock-free atomics and _exit here: this runs inside a
/// signal handler.
private let receivedCount = Atomic<Int>(0)

private func onInterrupt(_ number: Int32) {
    if receivedCount.add(1, ordering: .relaxed).newValue >= 2 { _exit(128 + number) }
}
