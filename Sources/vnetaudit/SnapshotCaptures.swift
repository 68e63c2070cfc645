import Foundation
import VNetModel
import VNetPackets
import VNetSnapshot
import VNetTraffic

/// A snapshot's traffic: `captures/IFACE.pcap` per interface plus `captures/capture.json`, which keeps
/// what a pcap file cannot (the filter, libpcap's counters, how each capture ended), so judging the
/// bundle later sees the same drops and early ends as judging live did.
enum SnapshotCaptures {
    static let summaryName = "capture.json"

    struct Summary: Codable {
        var requestedSeconds: Double
        var interrupted: Bool
        var interfaces: [Interface]

        struct Interface: Codable {
            var interface: String
            var file: String
            var filter: String?
            var counters: CaptureCounters?
            var end: CaptureEnd
            var startedAtNanoseconds: UInt64
            var endedAtNanoseconds: UInt64
        }
    }

    /// The bundle files of a live capture: each interface's spool file as it is.
    static func files(of source: TrafficSource) throws -> [Snapshot.CaptureFile] {
        var files: [Snapshot.CaptureFile] = []
        var summary = Summary(requestedSeconds: source.requestedSeconds ?? 0, interrupted: source.interrupted, interfaces: [])
        for (capture, spoolFile) in source.spooled.map({ ($0.capture, $0.spoolFile) }) {
            let name = capture.interface + ".pcap"
            let contents: Data
            do {
                contents = try spoolFile.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
                    ?? Data(PcapFile.write(linkType: capture.linkType, frames: []))
            } catch {
                throw VNetAuditFailure("cannot read the capture of \(capture.interface): \(error.localizedDescription)")
            }
            files.append(Snapshot.CaptureFile(name: name, contents: contents))
            summary.interfaces.append(Summary.Interface(
                interface: capture.interface, file: name, filter: source.filters[capture.interface], counters: capture.counters,
                end: capture.end, startedAtNanoseconds: capture.startedAtNanoseconds, endedAtNanoseconds: capture.endedAtNanoseconds))
        }
        files.append(Snapshot.CaptureFile(name: summaryName, contents: try ModelJSON.encoder().encode(summary)))
        return files
    }

    /// The traffic of a bundle read back; nil when it holds no captures. Files are read from the
    /// verified contents, so a damaged pcap was already refused by its checksum.
    static func source(of snapshot: Snapshot, bundle: String) throws -> TrafficSource? {
        guard let summaryFile = snapshot.captures.first(where: { $0.name == summaryName }) else { return nil }
        let where_ = "\(bundle)/captures/\(summaryName)"
        let summary: Summary
        do {
            summary = try ModelJSON.decoder().decode(Summary.self, from: summaryFile.contents)
        } catch {
            throw VNetAuditFailure("\(where_): not a capture summary: \(error)")
        }
        var source = TrafficSource(origin: .snapshot, captures: [], requestedSeconds: summary.requestedSeconds,
                                   interrupted: false)
        for entry in summary.interfaces {
            let path = "\(bundle)/captures/\(entry.file)"
            guard let file = snapshot.captures.first(where: { $0.name == entry.file }) else {
                throw VNetAuditFailure("\(path): named in \(summaryName) but not in the bundle")
            }
            let contents: PcapFile.Contents
            do {
                contents = try PcapFile.read([UInt8](file.contents))
            } catch {
                throw VNetAuditFailure("\(path): cannot use this capture: \(error)")
            }
            if contents.truncatedAtEnd { source.truncatedFiles.insert(path) }
            source.captures.append(InterfaceCapture(
                interface: entry.interface, linkType: contents.linkType, frames: contents.frames, counters: entry.counters,
                startedAtNanoseconds: entry.startedAtNanoseconds, endedAtNanoseconds: entry.endedAtNanoseconds,
                end: entry.end, source: path))
            source.filters[entry.interface] = entry.filter
        }
        return source
    }
}
