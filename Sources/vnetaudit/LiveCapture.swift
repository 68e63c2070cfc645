import Foundation
import VNetCapture
import VNetCollect
import VNetPackets

/// Runs a `CaptureSession` from the command line: in the audited network namespace, with Ctrl-C
/// ending it early and, on a terminal, a progress line.
struct LiveCapture {
    var targets: [CaptureSession.Target]
    var seconds: Double
    /// The network namespace to capture in (`--netns`); nil for the host's.
    var namespace: String?
    var showProgress: Bool
    /// Run on its own thread once every interface captures (`check --probe` sends its probes here); the
    /// capture's outcome is returned only after it has ended, even when the capture ended first.
    var whileCapturing: (@Sendable () -> Void)? = nil

    struct Outcome {
        var captures: [CaptureSession.Result]
        /// Holds the spool files; they go when the last copy of the outcome does.
        var spool: CaptureSpoolDirectory
        /// Ctrl-C (SIGINT/SIGTERM) ended the capture early.
        var interrupted: Bool
    }

    func run() throws -> Outcome {
        let spool: CaptureSpoolDirectory
        do {
            spool = try CaptureSpoolDirectory()
        } catch {
            throw VNetAuditFailure("cannot start the capture: \(error)")
        }
        let session = CaptureSession(targets: targets, spoolDirectory: spool.path)
        return try InterruptSignals.catching {
            do {
                if let namespace {
                    try NetworkNamespace.run(named: namespace) { try session.start(seconds: seconds) }
                } else {
                    try session.start(seconds: seconds)
                }
            } catch {
                throw VNetAuditFailure("cannot start the capture: \(error)")
            }
            let companion = DispatchSemaphore(value: 0)
            if let whileCapturing {
                Thread.detachNewThread {
                    whileCapturing()
                    companion.signal()
                }
            } else {
                companion.signal()
            }
            var progress = CaptureProgressLine()
            var interrupted = false
            while !session.isFinished {
                if InterruptSignals.received && !interrupted {
                    interrupted = true
                    session.stop()
                }
                if showProgress { progress.draw(secondsLeft: session.secondsLeft, interfaces: session.progress) }
                usleep(50_000)
            }
            progress.clear()
            companion.wait()
            return Outcome(captures: session.results(), spool: spool, interrupted: interrupted)
        }
    }
}
