import VNetJudge
import VNetPackets
import VNetTraffic

/// The report's `capture` section from the captures judged: per interface what was kept, lost and
/// decoded, and how it ended.
enum CaptureSectionBuilder {
    static func section(_ source: TrafficSource, analyses: [CaptureAnalysis], truncatedFiles: Set<String>,
                        evidenceDirectory: String?) -> CaptureSection {
        let interfaces = analyses.map { entry -> CaptureSection.Interface in
            let capture = entry.capture
            let tally = entry.tally
            let (end, detail) = describe(capture.end)
            return CaptureSection.Interface(
                interface: capture.interface, source: capture.source, filter: source.filters[capture.interface].flatMap { $0.isEmpty ? nil : $0 },
                linkType: capture.linkType.rawValue, frames: entry.frameCount, bytes: entry.byteCount,
                counters: capture.counters,
                decode: CaptureSection.DecodeTally(decoded: tally.clean, truncated: tally.total(.truncated),
                                                   malformed: tally.total(.malformed), unsupported: tally.total(.unsupported)),
                end: end, endDetail: detail, durationSeconds: seconds(capture.startedAtNanoseconds, capture.endedAtNanoseconds),
                truncatedLastRecord: truncatedFiles.contains(capture.source) ? true : nil)
        }
        let captures = analyses.map(\.capture)
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
