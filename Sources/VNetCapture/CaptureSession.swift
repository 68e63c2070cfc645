import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import VNetPackets

/// Captures on many interfaces at once: one handle and one thread per interface, all started together
/// and all ended by the deadline, by `stop()` (Ctrl-C), or one by one as their interfaces vanish.
///
/// Network namespaces: `start` opens every handle and creates every thread on the calling thread, and
/// threads inherit its namespace, so calling it inside `NetworkNamespace.run` captures in that namespace.
public final class CaptureSession: @unchecked Sendable {
    public let targets: [CaptureSession.Target]
    /// Where each interface's spool file is created (`N-IFACE.pcap`); the caller owns and removes it.
    public let spoolDirectory: String
    private let limits: CaptureSession.Limits
    private var workers: [InterfaceCaptureWorker] = []
    private var watcher: LinkRemovalWatcher?
    private let watcherDone = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)
    private var deadline: UInt64 = 0

    public init(targets: [CaptureSession.Target], spoolDirectory: String, limits: CaptureSession.Limits = CaptureSession.Limits()) {
        self.targets = targets
        self.spoolDirectory = spoolDirectory
        self.limits = limits
    }

    /// Opens every interface and starts capturing for `seconds`. An interface that cannot be opened
    /// ends at once (vanished or failed) without stopping the others; only not being able to watch
    /// for deleted links throws.
    public func start(seconds: Double) throws {
        precondition(!started.exchange(true, ordering: .relaxed), "a capture session starts once")
        let linkWatcher = try LinkRemovalWatcher()
        watcher = linkWatcher
        workers = targets.enumerated().map { index, target in
            InterfaceCaptureWorker(target: target, limits: limits, spoolPath: "\(spoolDirectory)/\(index)-\(target.interface).pcap")
        }
        deadline = CaptureClock.monotonicNanoseconds + UInt64(max(0, seconds) * 1_000_000_000)
        for worker in workers { worker.start(deadlineMonotonic: deadline) }
        let watchThread = Thread { [self] in
            ThreadName.set("vna-links")
            watchLinks(linkWatcher)
            watcherDone.signal()
        }
        watchThread.start()
    }

    /// Ends every interface's capture now, marked interrupted; callable from any thread.
    public func stop() {
        for worker in workers { worker.stop(.interrupted) }
    }

    /// True once every interface's capture has ended.
    public var isFinished: Bool { workers.allSatisfy(\.isFinished) }

    /// Frames captured so far per interface, in target order, for a progress display.
    public var progress: [(interface: String, frames: Int, finished: Bool)] {
        workers.map { ($0.target.interface, $0.frameCountSoFar, $0.isFinished) }
    }

    /// Seconds until the deadline (0 once passed).
    public var secondsLeft: Double {
        let now = CaptureClock.monotonicNanoseconds
        return now >= deadline ? 0 : Double(deadline - now) / 1e9
    }

    /// Waits until every interface has ended and returns their captures, in target order.
    public func results() -> [CaptureSession.Result] {
        let captures = workers.map { $0.result() }
        watcherDone.wait()
        watcherDone.signal()
        return captures
    }

    /// Stops the worker of every deleted link until all workers have ended.
    private func watchLinks(_ linkWatcher: LinkRemovalWatcher) {
        while !isFinished {
            let removed = Set(linkWatcher.removedLinks(timeoutMilliseconds: 100))
            for worker in workers where worker.interfaceIndex != 0 && removed.contains(worker.interfaceIndex) {
                worker.stop(.interfaceVanished)
            }
        }
    }
}

/// Names the current thread (at most 15 bytes on Linux) through /proc/thread-self/comm, so `ps`, debuggers
/// and tests tell the capture threads apart and can see that capturing has begun.
enum ThreadName {
    static func set(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}
