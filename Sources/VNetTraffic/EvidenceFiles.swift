import VNetJudge
import VNetModel
import VNetPackets

/// Turns drafts into findings whose `.packets` evidence names a pcap file, and collects those files.
struct EvidenceFiles {
    /// Enough to see the offence and its context, small enough to attach to a ticket.
    static let frameLimit = 200

    let captures: [DecodedCapture]
    private(set) var files: [EvidenceCapture] = []

    init(captures: [DecodedCapture]) { self.captures = captures }

    mutating func finding(_ draft: TrafficDraft, network: String?) -> Finding {
        var finding = Finding(id: draft.id, kind: .claim, title: draft.title, status: draft.status, message: draft.message,
                              family: draft.family, remediation: draft.status == .pass ? nil : draft.remediation)
        var seen = Set<FrameRef>()
        let chosen = draft.frames.filter { $0.capture < captures.count && $0.frame < captures[$0.capture].capture.frames.count && seen.insert($0).inserted }
            .prefix(Self.frameLimit)
        guard !chosen.isEmpty else { return finding }
        let byLink = Dictionary(grouping: chosen, by: { captures[$0.capture].capture.linkType })
        let base = "evidence/" + [network ?? "host", draft.id, draft.family?.rawValue].compactMap { $0 }.map(Self.safe).joined(separator: "-")
        for (linkType, refs) in byLink.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let file = base + (byLink.count > 1 ? "-linktype\(linkType.rawValue)" : "") + ".pcap"
            let ordered = refs.sorted { time($0) < time($1) }
            files.append(EvidenceCapture(file: file, linkType: linkType, frames: ordered.map { captures[$0.capture].capture.frames[$0.frame] }))
            // interfaces in capture order (the guest side first, as the scope lists them)
            let perCapture = Dictionary(grouping: ordered, by: \.capture).sorted { $0.key < $1.key }
            let names = perCapture.map { captures[$0.key].capture.interface }
            let counts = zip(perCapture, names).map { "\($0.value.count) on \($1)" }.joined(separator: ", ")
            finding.evidence.append(Evidence(kind: .packets, summary: "\(draft.evidenceSummary) (\(counts))",
                                             source: names.joined(separator: ", "), file: file))
        }
        return finding
    }

    private func time(_ ref: FrameRef) -> UInt64 { captures[ref.capture].capture.frames[ref.frame].timestampNanoseconds }

    /// File-name safe: letters, digits, `.`, `_` and `-`; anything else becomes `_`.
    private static func safe(_ part: String) -> String {
        String(part.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
    }
}
