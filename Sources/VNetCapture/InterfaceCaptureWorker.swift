import Foundation
import Synchronization
import VNetPackets
#if canImport(Glibc)
import Glibc
#endif

/// The capture of one interface on its own thread: reads its handle until the deadline, a stop, or
/// the interface going away, writing every frame to its spool file and keeping the latest `pcap_stats`.
final class InterfaceCaptureWorker: @unchecked Sendable {
    let target: CaptureSession.Target
    private let handle: PcapHandle?
    /// The interface's index when the capture began; a link deleted under it is matched by this.
    let interfaceIndex: Int32
    /// Where the frames go; nil when the interface could not be opened.
    private let spool: CaptureSpoolFile?
    private var counters: CaptureCounters?
    private var lastStatisticsAt: UInt64 = 0
    private let linkType: LinkType
    /// When the handle became active (capture really began), wall clock.
    private let startedAt: UInt64
    private var endedAt: UInt64 = 0
    /// The first reason given for ending wins (a stop after the interface vanished stays "vanished").
    private let endReason = Mutex<CaptureEnd?>(nil)
    private let frameCount = Atomic<Int>(0)
    private let done = DispatchSemaphore(value: 0)
    private let finishedFlag = Atomic<Bool>(false)

    /// Opens the handle now, in the calling thread's network namespace. An interface that cannot be
    /// opened gives a worker that has already ended (vanished when the interface is gone, failed
    /// otherwise): one bad interface does not stop the others.
    /// `spoolPath`: the pcap file the frames are written to (created here, never overwritten).
    init(target: CaptureSession.Target, limits: CaptureSession.Limits, spoolPath: String) {
        self.target = target
        interfaceIndex = Int32(bitPattern: if_nametoindex(target.interface))
        var opened: PcapHandle?
        var failure: CaptureEnd?
        do {
            // Not immediate mode: its one-slot-per-frame ring dropped a 1 MB burst in the lab; blocks
            // handed over every 10 ms cost little latency and keep up.
            let h = try PcapHandle.openLive(interface: target.interface, snapshotLength: limits.snapshotLength,
                                            bufferSize: limits.kernelBufferBytes, immediate: false,
                                            blockTimeoutMilliseconds: 10)
            if let filter = target.filter, !filter.isEmpty { try h.setFilter(filter) }
            opened = h
        } catch let error as PcapError {
            failure = interfaceIndex == 0 ? .interfaceVanished : .failed(error.description)
        } catch {
            failure = .failed("\(error)")
        }
        var spooled: CaptureSpoolFile?
        if let opened, failure == nil {
            do {
                spooled = try CaptureSpoolFile(path: spoolPath, for: opened)
            } catch {
                failure = .failed("\(error)")
            }
        }
        spool = spooled
        handle = opened
        startedAt = CaptureClock.wallNanoseconds
        linkType = opened.flatMap { LinkType(rawValue: $0.linkType) } ?? .ethernet
        if opened != nil, let raw = opened?.linkType, LinkType(rawValue: raw) == nil {
            failure = .failed("link type \(raw) of \(target.interface) is not one vnetaudit decodes")
        }
        if let failure {
            endReason.withLock { $0 = failure }
        }
    }

    var frameCountSoFar: Int { frameCount.load(ordering: .relaxed) }
    var isFinished: Bool { finishedFlag.load(ordering: .acquiring) }

    /// Starts the reading thread (a Thread, so it inherits the creating thread's network namespace).
    func start(deadlineMonotonic: UInt64) {
        guard let handle, endReason.withLock({ $0 }) == nil else {
            endedAt = startedAt
            finish()
            return
        }
        let thread = Thread { [self] in
            ThreadName.set("vna-cap " + target.interface)
            read(handle, until: deadlineMonotonic)
            finish()
        }
        thread.start()
    }

    /// Ends the capture for `reason` (the first reason given is kept); callable from any thread.
    func stop(_ reason: CaptureEnd) {
        endReason.withLock { if $0 == nil { $0 = reason } }
        handle?.stop()
    }

    /// Waits for the thread and gives what it captured: the capture described (its frames are in the
    /// spool file, not in memory) and the spool file, nil when nothing could be written.
    func result() -> CaptureSession.Result {
        done.wait()
        done.signal()
        let capture = InterfaceCapture(interface: target.interface, linkType: linkType, frames: [], counters: counters,
                                       startedAtNanoseconds: startedAt, endedAtNanoseconds: endedAt,
                                       end: endReason.withLock { $0 } ?? .completed, source: "live")
        return CaptureSession.Result(capture: capture, spoolFile: spool?.path, frameCount: frameCountSoFar)
    }

    private func finish() {
        finishedFlag.store(true, ordering: .releasing)
        done.signal()
    }

    private func read(_ handle: PcapHandle, until deadline: UInt64) {
        defer {
            refreshStatistics(handle, force: true)
            endedAt = CaptureClock.wallNanoseconds
            do {
                try spool?.close()
            } catch {
                stop(.failed("\(error)"))
            }
        }
        while true {
            if CaptureClock.monotonicNanoseconds >= deadline {
                stop(.completed)
                return
            }
            do {
                switch try handle.read(timeoutMilliseconds: 50, { spool?.write($0, $1) }) {
                case .packet:
                    frameCount.add(1, ordering: .relaxed)
                case .timeout:
                    refreshStatistics(handle, force: false)
                    if let failure = spool?.failure {
                        stop(.failed(failure))
                        return
                    }
                case .end:
                    return
                }
            } catch {
                // A read error on an interface that no longer exists (or is another one now) is its
                // disappearance, not a failure.
                let gone = Int32(bitPattern: if_nametoindex(target.interface)) != interfaceIndex
                stop(gone ? .interfaceVanished : .failed("\(error)"))
                return
            }
        }
    }

    /// Keeps the latest counters about once a second: a socket whose interface vanished may no longer
    /// answer `pcap_stats`, and then the last answer stands.
    private func refreshStatistics(_ handle: PcapHandle, force: Bool) {
        let now = CaptureClock.monotonicNanoseconds
        guard force || now - lastStatisticsAt >= 1_000_000_000 else { return }
        lastStatisticsAt = now
        if let s = try? handle.statistics() {
            counters = CaptureCounters(received: s.received, droppedByKernel: s.droppedByKernel,
                                       droppedByInterface: s.droppedByInterface)
        }
    }
}

/// Wall time for the captures' start and end, monotonic time for deadlines (a clock step must not
/// end a capture early or late).
enum CaptureClock {
    static var wallNanoseconds: UInt64 { read(CLOCK_REALTIME) }
    static var monotonicNanoseconds: UInt64 { read(CLOCK_MONOTONIC) }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var t = timespec()
        clock_gettime(clock, &t)
        return UInt64(max(0, t.tv_sec)) * 1_000_000_000 + UInt64(max(0, t.tv_nsec))
    }
}
