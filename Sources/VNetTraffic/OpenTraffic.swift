import VNetJudge
import VNetModel

/// An open network from its packets: libvirt promises nothing, so the finding says what got out and how.
enum OpenTraffic {
    static func drafts(_ t: NetworkTraffic) -> [TrafficDraft] {
        guard !t.crossings.isEmpty, !t.uplinks.isEmpty else { return [] }
        let left = t.crossings.filter(\.left)
        var draft = TrafficDraft(id: "traffic.open.outbound", title: "Guest flows get out", status: left.isEmpty ? .warn : .pass,
                                 message: "network \(t.network.name) (\(Wording.family(t.family))): " + Wording.list(t.crossings, "flow", \.label),
                                 family: t.family)
        draft.frames = (left.isEmpty ? t.crossings : left).evidenceFrames
        draft.evidenceSummary = left.isEmpty ? "guest flows that never left" : "guest flows as they left"
        return [draft]
    }
}
