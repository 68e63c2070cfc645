import Foundation
import VNetCapture
import VNetPackets
import VNetJudge
import VNetTraffic

/// The traffic a check judges, wherever it came from: a live capture, `--pcap` files, or a snapshot
/// bundle's captures; with what the report's capture section says about it.
struct TrafficSource {
    enum Origin: String {
        case live, files, snapshot
    }

    var origin: Origin
    /// Captures held in memory (a snapshot's, or files libpcap reads whole).
    var captures: [InterfaceCapture]
    /// Live captures: each described, its frames in a spool file (streamed when judged, never held).
    var spooled: [CaptureSession.Result] = []
    /// Keeps the spool files while this source (or a copy) lives.
    var spool: CaptureSpoolDirectory?
    /// Live: the BPF filter per interface.
    var filters: [String: String] = [:]
    /// Files whose last record was cut short (read up to the cut).
    var truncatedFiles: Set<String> = []
    /// Live: the duration asked for.
    var requestedSeconds: Double?
    var interrupted = false

    /// A live capture of the planned interfaces, in `namespace` when given (`--netns`).
    static func live(_ targets: [VNetTraffic.CaptureTarget], seconds: Double, namespace: String?,
                     showProgress: Bool, whileCapturing: (@Sendable () -> Void)? = nil) throws -> TrafficSource {
        guard !targets.isEmpty else {
            throw VNetAuditFailure("--capture: no audited network is active with an interface to capture on")
        }
        let outcome = try LiveCapture(targets: targets.map { CaptureSession.Target(interface: $0.interface, filter: $0.filter) },
                                      seconds: seconds, namespace: namespace, showProgress: showProgress,
                                      whileCapturing: whileCapturing).run()
        return TrafficSource(origin: .live, captures: [], spooled: outcome.captures, spool: outcome.spool,
                             filters: Dictionary(targets.map { ($0.interface, $0.filter) }, uniquingKeysWith: { first, _ in first }),
                             requestedSeconds: seconds, interrupted: outcome.interrupted)
    }

    /// `--pcap IFACE=FILE` inputs: files of any size, streamed when judged (`judged(scope:)`), never held.
    var pcapInputs: [PcapInput] = []

    static func files(_ inputs: [PcapInput], origin: Origin = .files) -> TrafficSource {
        TrafficSource(origin: origin, captures: [], pcapInputs: inputs)
    }

    /// `--pcap` inputs read whole through libpcap (any format it reads). An unreadable or corrupt file
    /// is an error naming it.
    private static func wholeFiles(_ inputs: [PcapInput]) throws -> TrafficSource {
        var source = TrafficSource(origin: .files, captures: [])
        for input in inputs {
            let contents: CaptureFile.Contents
            do {
                contents = try CaptureFile.read(path: input.file, interface: input.interface)
            } catch let error as CaptureFileError {
                throw VNetAuditFailure("\(error.file): cannot use this capture: \(error.reason)")
            }
            source.captures.append(contents.capture)
            if contents.truncatedLastRecord { source.truncatedFiles.insert(input.file) }
        }
        return source
    }

    /// The judgement and, per capture, what it held: live spool files and `--pcap` files streamed (an
    /// unreadable or corrupt file is an error naming it), captures in memory analysed frame by frame.
    func judged(scope: AuditScope, probes: [ProbedNetwork] = []) throws -> (judgement: TrafficJudgement, analyses: [CaptureAnalysis], truncatedFiles: Set<String>) {
        // pcapng files and pipes are read whole by libpcap, as they always were; classic pcap files stream
        if pcapInputs.contains(where: { !OfflineTrafficAnalysis.canStream(path: $0.file) }) {
            return try Self.wholeFiles(pcapInputs).judged(scope: scope, probes: probes)
        }
        if origin == .live {
            return try streamed(spooled.map { OfflineTrafficAnalysis.Input(live: $0.capture, spoolFile: $0.spoolFile) },
                                scope: scope, probes: probes)
        }
        guard !pcapInputs.isEmpty else {
            let analyses = captures.map(CaptureAnalysis.init(analysing:))
            return (TrafficJudge.judge(scope: scope, analyses: analyses, probes: probes) { captures[$0].frames(numbered: $1) }, analyses, truncatedFiles)
        }
        return try streamed(pcapInputs.map { .init(interface: $0.interface, path: $0.file) }, scope: scope, probes: probes)
    }

    private func streamed(_ inputs: [OfflineTrafficAnalysis.Input], scope: AuditScope,
                          probes: [ProbedNetwork]) throws -> (judgement: TrafficJudgement, analyses: [CaptureAnalysis], truncatedFiles: Set<String>) {
        do {
            let result = try OfflineTrafficAnalysis.judge(scope: scope, files: inputs, probes: probes)
            return (result.judgement, result.analyses, result.truncatedFiles)
        } catch let error as OfflineTrafficAnalysis.FileError {
            throw VNetAuditFailure("\(error.path): cannot use this capture: \(error.reason)")
        }
    }
}

/// `--pcap IFACE=FILE`: a saved capture and the interface it was taken on.
struct PcapInput: Equatable {
    var interface: String
    var file: String

    /// Splits at the first `=`; both sides must be non-empty.
    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "=") else { return nil }
        interface = String(argument[..<equals])
        file = String(argument[argument.index(after: equals)...])
        guard !interface.isEmpty, !file.isEmpty else { return nil }
    }
}
