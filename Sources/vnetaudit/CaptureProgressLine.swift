import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The live line on a terminal while capturing: time left and frames per interface, redrawn in place
/// on standard error. Only for text output to a terminal; JSON and pipes get nothing of it.
struct CaptureProgressLine {
    private var lastDrawn: UInt64 = 0
    private var drawnOnce = false

    /// Whether a progress line belongs on standard error for this run.
    static func wanted(textFormat: Bool) -> Bool { textFormat && isatty(STDERR_FILENO) == 1 }

    /// Redraws at most four times a second.
    mutating func draw(secondsLeft: Double, interfaces: [(interface: String, frames: Int, finished: Bool)]) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard !drawnOnce || now - lastDrawn >= 250_000_000 else { return }
        lastDrawn = now
        drawnOnce = true
        let counts = interfaces.map { "\($0.interface) \($0.frames)\($0.finished ? " (ended)" : "")" }.joined(separator: "  ")
        let text = "capturing, \(Int(secondsLeft.rounded(.up)))s left (Ctrl-C ends early): \(counts)"
        FileHandle.standardError.write(Data(("\r" + text + "\u{1B}[K").utf8))
    }

    /// Clears the line so the next output starts clean.
    func clear() {
        guard drawnOnce else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
