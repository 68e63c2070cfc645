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

        /// The capture as described: a live capture's own account, or a file's (whose times its frames give).
        func capture(linkType: LinkType) -> InterfaceCapture {
            var capture = described ?? InterfaceCapture(interface: interface, linkType: linkType, frames: [], counters: nil,
                                                        startedAtNanoseconds: 0, endedAtNanoseconds: 0, end: .completed, source: path ?? "")
            capture.linkType = linkType
            return capture
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

    private typealias Outcome = Swift.Result<Analysed, any Error>

    /// One file read through: its analysis, whether its last record was cut short, and where its
    /// checkpoint records start (for reading evidence frames again).
    struct Analysed {
        var analysis: CaptureAnalysis
        var truncated: Bool
        var checkpoints: [Int]
    }

    /// `probes`: as `TrafficJudge.judge` takes them (`check --probe`).
    public static func judge(scope: AuditScope, files: [Input], probes: [ProbedNetwork] = []) throws -> Result {
        let outcomes = UnsafeMutableBufferPointer<Outcome?>.allocate(capacity: files.count)
        outcomes.initialize(repeating: nil)
        defer { outcomes.deallocate() }
        nonisolated(unsafe) let slots = outcomes
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            slots[i] = Outcome { try analyse(files[i], position: i) }
        }
        let analysed = try outcomes.map { try $0!.get() }
        let analyses = analysed.map(\.analysis)
        let truncated = Set(analysed.filter(\.truncated).map(\.analysis.capture.source))
        let judgement = try TrafficJudge.judge(scope: scope, analyses: analyses, probes: probes) { capture, numbers in
            guard let path = files[capture].path else { return [:] }
            return try frames(numbers, of: path, checkpoints: analysed[capture].checkpoints)
        }
        return Result(judgement: judgement, analyses: analyses, truncatedFiles: truncated)
    }

    /// Whether `path` can be streamed: a regular file in the classic pcap format (not pcapng, not a pipe).
    public static func canStream(path: String) -> Bool {
        (try? PcapFileStream(path: path)) != nil
    }

    /// One file streamed through an analysis.
    static func analyse(_ input: Input, position: Int) throws -> Analysed {
        guard let path = input.path else {
            let capture = input.capture(linkType: input.described?.linkType ?? .ethernet)
            return Analysed(analysis: CaptureAnalysis(capture, position: position), truncated: false, checkpoints: [])
        }
        let stream = try PcapFileStream(path: path)
        let described = input.capture(linkType: stream.linkType)
        var analysis = CaptureAnalysis(described, position: position)
        while try stream.next({ bytes, stamp, _ in analysis.add(bytes, at: stamp) }) {}
        if input.described == nil {
            let first = analysis.firstFrameTime ?? 0, last = analysis.lastFrameTime ?? first
            analysis.update { $0.startedAtNanoseconds = first; $0.endedAtNanoseconds = last }
        }
        return Analysed(analysis: analysis, truncated: stream.truncatedAtEnd, checkpoints: stream.checkpoints)
    }

    /// The frames numbered `numbers` of the file at `path`, read again: in order, each from the nearest
    /// `checkpoints` entry before it (record offsets a first read noted), so only the stretches around
    /// the wanted frames are read.
    static func frames(_ numbers: Set<Int>, of path: String, checkpoints: [Int]) throws -> [Int: CapturedFrame] {
        let stream = try PcapFileStream(path: path)
        var found: [Int: CapturedFrame] = [:]
        for number in numbers.sorted() {
            try stream.seek(toRecord: number, checkpoints: checkpoints)
            guard stream.records == number else { break }
            guard try stream.next({ bytes, stamp, original in
                found[number] = CapturedFrame(timestampNanoseconds: stamp, originalLength: original, bytes: Array(bytes))
            }) else { break }
        }
        return found
    }
}
