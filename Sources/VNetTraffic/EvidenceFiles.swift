import VNetJudge
import VNetModel
import VNetPackets

/// Turns drafts into findings whose `.packets` evidence names a pcap file, and collects those files. The
/// frames themselves are read last (`files(reading:)`), once every finding has said which it needs, so a
/// streamed capture is read again for those few frames instead of being kept.
struct EvidenceFiles {
    /// Enough to see the offence and its context, small enough to attach to a ticket.
    static let frameLimit = 200

    /// Reads the frames numbered `frames` of capture `capture`, by number.
    typealias FrameReader = (_ capture: Int, _ frames: Set<Int>) throws -> [Int: CapturedFrame]

    let traffic: [InterfaceTraffic]
    private var pending: [(file: String, linkType: LinkType, refs: [FrameRef])] = []

    init(traffic: [InterfaceTraffic]) { self.traffic = traffic }

    mutating func finding(_ draft: TrafficDraft, network: String?) -> Finding {
        var finding = Finding(id: draft.id, kind: .claim, title: draft.title, status: draft.status, message: draft.message,
                              family: draft.family, remediation: draft.status == .pass ? nil : draft.remediation)
        var seen = Set<FrameRef>()
        var chosen: [FrameRef] = []
        for ref in draft.frames where chosen.count < Self.frameLimit
            && ref.capture < traffic.count && ref.frame < traffic[ref.capture].frameCount && seen.insert(ref).inserted {
            chosen.append(ref)
        }
        guard !chosen.isEmpty else {
            // Nothing to show as packets: what was looked at is the evidence.
            finding.evidence = [.state("no frame to show among the frames captured",
                                       source: traffic.map { "\($0.capture.interface) (\($0.frameCount) frames)" }.joined(separator: ", "))]
            return finding
        }
        let byLink = Dictionary(grouping: chosen, by: { traffic[$0.capture].capture.linkType })
        let base = "evidence/" + [network ?? "host", draft.id, draft.family?.rawValue].compactMap { $0 }.map(Self.safe).joined(separator: "-")
        for (linkType, refs) in byLink.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let file = base + (byLink.count > 1 ? "-linktype\(linkType.rawValue)" : "") + ".pcap"
            pending.append((file, linkType, refs))
            // interfaces in capture order (the guest side first, as the scope lists them)
            let perCapture = Dictionary(grouping: refs, by: \.capture).sorted { $0.key < $1.key }
            let names = perCapture.map { traffic[$0.key].interface }
            let counts = zip(perCapture, names).map { "\($0.value.count) on \($1)" }.joined(separator: ", ")
            finding.evidence.append(Evidence(kind: .packets, summary: "\(draft.evidenceSummary) (\(counts))",
                                             source: names.joined(separator: ", "), file: file))
        }
        return finding
    }

    /// The evidence files the findings named, each in time order, their frames read through `read`.
    func files(reading read: FrameReader) rethrows -> [EvidenceCapture] {
        var wanted: [Int: Set<Int>] = [:]
        for file in pending { for ref in file.refs { wanted[ref.capture, default: []].insert(ref.frame) } }
        var frames: [FrameRef: CapturedFrame] = [:]
        for (capture, numbers) in wanted {
            for (number, frame) in try read(capture, numbers) { frames[FrameRef(capture: capture, frame: number)] = frame }
        }
        return pending.map { file in
            let present = file.refs.filter { frames[$0] != nil }
            let ordered = present.sorted { frames[$0]!.timestampNanoseconds < frames[$1]!.timestampNanoseconds }
            return EvidenceCapture(file: file.file, linkType: file.linkType, frames: ordered.map { frames[$0]! })
        }
    }

    /// File-name safe: letters, digits, `.`, `_` and `-`; anything else becomes `_`.
    private static func safe(_ part: String) -> String {
        String(part.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
    }
}
