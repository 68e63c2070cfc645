import VNetJudge
import VNetPackets
import VNetTraffic

/// The report's `capture` section from the captures judged: per interface what was kept, lost and
/// decoded, and how it ended.
enum CaptureSectionBuilder {
    static func section(_ source: TrafficSource, decoded: [DecodedCapture], evidenceDirectory: String?) -> CaptureSection {
        let interfaces = decoded.map { entry -> CaptureSection.Interface in
            let capture = entry.capture
            var tally = DecodeTally()
            entry.packets.forEach { tally.record($0) }
            let (end, detail) = describe(capture.end)
            return CaptureSection.Interface(
                interface: capture.interface, source: capture.source, filter: source.filters[capture.interface].flatMap { $0.isEmpty ? nil : $0 },
                linkType: capture.linkType.rawValue, frames: capture.frames.count,
                bytes: capture.frames.reduce(0) { $0 + $1.bytes.count },
                counters: capture.counters.map {
                    CaptureSection.Counters(received: $0.received, droppedByKernel: $0.droppedByKernel,
                                            droppedByInterface: $0.droppedByInterface, droppedByBuffer: $0.droppedByBuffer)
                },
                decode: CaptureSection.DecodeTally(decoded: tally.clean, truncated: tally.total(.truncated),
                                                   malformed: tally.total(.malformed), unsupported: tally.total(.unsupported)),
                end: end, endDetail: detail, durationSeconds: seconds(capture.startedAtNanoseconds, capture.endedAtNanoseconds),
                truncatedLastRecord: source.truncatedFiles.contains(capture.source) ? true : nil)
        }
        let captures = decoded.map(\.capture)
        let start = captures.map(\.startedAtNanoseconds).min() ?? 0
        let end = captures.map(\.endedAtNanoseconds).max() ?? start
        return CaptureSection(source: source.origin.rawValue, requestedSeconds: source.requestedSeconds,
                              durationSeconds: seconds(start, end), evidenceDirectory: evidenceDirectory, interfaces: interfaces)
    }

    static func describe(_ end: CaptureEnd) -> (CaptureSection.End, String?) {
        switch end {
        case .completed: return (.completed, nil)
        case .interrupted: return (.interrupted, nil)
        case .interfaceVanished: return (.interfaceVanished, nil)
        case .failed(let message): return (.failed, message)
        }
    }

    /// The inverse of `describe`, for captures restored from a snapshot's summary.
    static func captureEnd(_ end: CaptureSection.End, detail: String?) -> CaptureEnd {
        switch end {
        case .completed: return .completed
        case .interrupted: return .interrupted
        case .interfaceVanished: return .interfaceVanished
        case .failed: return .failed(detail ?? "failed")
        }
    }

    private static func seconds(_ from: UInt64, _ to: UInt64) -> Double {
        to > from ? (Double(to - from) / 1e6).rounded() / 1e3 : 0
    }
}
