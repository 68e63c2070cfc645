import VNetJudge
import VNetModel

/// A bridge-mode network from its packets: its guests' MACs and addresses appear on the LAN port.
enum BridgeTraffic {
    static func drafts(_ t: NetworkTraffic) -> [TrafficDraft] {
        guard !t.crossings.isEmpty else { return [] }
        let name = t.network.name, fam = Wording.family(t.family)
        var draft = TrafficDraft(id: "traffic.bridge.guests-on-uplink", title: "Guests appear on the LAN themselves",
                                 status: .pass, message: "", family: t.family)
        guard !t.uplinks.isEmpty else {
            draft.status = .inconclusive
            draft.message = "network \(name) (\(fam)): no LAN port of the bridge was captured"
            return [draft]
        }
        let left = t.crossings.filter(\.left), stayed = t.crossings.filter { !$0.left }
        if left.isEmpty {
            draft.status = .fail
            draft.message = "network \(name) (\(fam)): " + Wording.list(stayed, "guest flow", \.side.key.description) + " never appeared on \(t.uplinks.map(\.interface).joined(separator: ", "))"
            draft.frames = stayed.evidenceFrames
            draft.evidenceSummary = "guest flows on the guest port that never reached the LAN port"
            return [draft]
        }
        let macs = t.guestMACs.sorted().joined(separator: ", ")
        let addresses = t.guestAddresses.sorted().map(\.description).joined(separator: ", ")
        draft.message = "network \(name) (\(fam)): guests \(macs) (\(addresses)) on \(t.uplinks.map(\.interface).joined(separator: ", ")) with their own addresses; "
            + Wording.list(left, "flow", \.label)
        draft.frames = left.evidenceFrames
        draft.evidenceSummary = "guest flows on the guest port and the LAN port"
        return [draft]
    }
}
