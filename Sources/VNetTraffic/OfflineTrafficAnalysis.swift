import Dispatch
import VNetJudge
import VNetPackets

/// Saved captures judged without holding them: each file is streamed through its `CaptureAnalysis` on a
/// thread of its own (the files are independent, so the result does not depend on scheduling), then the
/// analyses are judged together and only the evidence frames are read again.
public enum OfflineTrafficAnalysis {
    /// A saved capture and the interface it was taken on.
    public struct Input: Sendable {
        public var interface: String
        /// nil: no frames (a live capture whose interface could not be opened).
        public var path: String?
        /// A live capture's own account (counters, start, end, how it ended), which its spool file
        /// cannot hold; nil for a saved file, whose first and last frames give its times.
        public var described: InterfaceCapture?

        public init(interface: String, path: String) {
            self.interface = interface
            self.path = path
        }

        /// A live capture spooled to `spoolFile`.
        public init(live capture: InterfaceCapture, spoolFile: String?) {
            interface = capture.interface
            path = spoolFile
            described = capture
        }
    }

    public struct Result: Sendable {
        public var judgement: TrafficJudgement
        /// One per input, in order: what each file held (frames, bytes, decode tally, times).
        public var analyses: [CaptureAnalysis]
        /// Files whose last record was cut short (read up to the cut).
        public var truncatedFiles: Set<String>
    }

    /// A file that cannot be read as a classic pcap (unreadable, not pcap, a link type not decoded).
    public struct FileError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }

        public var description: String { "\(path): \(reason)" }
    }

    private typealias Outcome = Swift.Result<(CaptureAnalysis, Bool), any Error>

    /// `probes`: as `TrafficJudge.judge` takes them (`check --probe`).
    public static func judge(scope: AuditScope, files: [Input], probes: [ProbedNetwork] = []) throws -> Result {
        let outcomes = UnsafeMutableBufferPointer<Outcome?>.allocate(capacity: files.count)
        outcomes.initialize(repeating: nil)
        defer { outcomes.deallocate() }
        nonisolated(unsafe) let slots = outcomes
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            slots[i] = Outcome { try analyse(files[i], position: i) }
        }
        var analyses: [CaptureAnalysis] = []
        var truncated = Set<String>()
        for outcome in outcomes {
            let (analysis, cut) = try outcome!.get()
            analyses.append(analysis)
            if cut { truncated.insert(analysis.capture.source) }
        }
        let judgement = try TrafficJudge.judge(scope: scope, analyses: analyses, probes: probes) { capture, numbers in
            guard let path = files[capture].path else { return [:] }
            return try frames(numbers, of: path)
        }
        return Result(judgement: judgement, analyses: analyses, truncatedFiles: truncated)
    }

    /// Whether `path` can be streamed: a regular file in the classic pcap format (not pcapng, not a pipe).
    public static func canStream(path: String) -> Bool {
        (try? PcapFileStream(path: path)) != nil
    }

    /// One file streamed through an analysis; whether its last record was cut short.
    static func analyse(_ input: Input, position: Int) throws -> (CaptureAnalysis, Bool) {
        guard let path = input.path else {
            let described = input.described ?? InterfaceCapture(interface: input.interface, linkType: .ethernet, frames: [], counters: nil,
                                                                 startedAtNanoseconds: 0, endedAtNanoseconds: 0, end: .completed, source: "")
            return (CaptureAnalysis(described, position: position), false)
        }
        let stream = try PcapFileStream(path: path)
        var described = input.described ?? InterfaceCapture(interface: input.interface, linkType: stream.linkType, frames: [], counters: nil,
                                                            startedAtNanoseconds: 0, endedAtNanoseconds: 0, end: .completed, source: path)
        described.linkType = stream.linkType
        var analysis = CaptureAnalysis(described, position: position)
        while try stream.next({ bytes, stamp, _ in analysis.add(bytes, at: stamp) }) {}
        if input.described == nil {
            let first = analysis.firstFrameTime ?? 0, last = analysis.lastFrameTime ?? first
            analysis.update { $0.startedAtNanoseconds = first; $0.endedAtNanoseconds = last }
        }
        return (analysis, stream.truncatedAtEnd)
    }

    /// The frames numbered `numbers` of the file at `path`, read again.
    static func frames(_ numbers: Set<Int>, of path: String) throws -> [Int: CapturedFrame] {
        guard let lastWanted = numbers.max() else { return [:] }
        let stream = try PcapFileStream(path: path)
        var found: [Int: CapturedFrame] = [:]
        var number = 0
        while number <= lastWanted, try stream.next({ bytes, stamp, original in
            if numbers.contains(number) {
                found[number] = CapturedFrame(timestampNanoseconds: stamp, originalLength: original, bytes: Array(bytes))
            }
        }) { number += 1 }
        return found
    }
}
