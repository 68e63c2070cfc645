import VNetJudge
import VNetModel

/// An isolated network from its packets: nothing of it on any uplink, nothing forwarded into it.
enum IsolatedTraffic {
    static func drafts(_ t: NetworkTraffic) -> [TrafficDraft] {
        [nothingLeaves(t), nothingEnters(t)].compactMap { $0 }
    }

    private static func nothingLeaves(_ t: NetworkTraffic) -> TrafficDraft? {
        let name = t.network.name, fam = Wording.family(t.family)
        var draft = TrafficDraft(id: "traffic.isolated.nothing-leaves", title: "Nothing of the network leaves the host",
                                 status: .pass, message: "", family: t.family)
        guard !t.uplinks.isEmpty else {
            guard !t.crossings.isEmpty else { return nil }
            draft.status = .inconclusive
            draft.message = "network \(name) (\(fam)): guests tried \(t.crossings.count) outbound flows but no uplink was captured"
            return draft
        }
        let (leakedCount, leaked) = t.guestFramesOnUplinks()
        let left = t.crossings.filter(\.left)
        if !leaked.isEmpty || !left.isEmpty {
            draft.status = .fail
            draft.message = "network \(name) (\(fam)): "
                + (leaked.isEmpty ? "" : "\(leakedCount) frame\(leakedCount == 1 ? "" : "s") with a guest's address or MAC on \(t.interfaces(of: leaked))")
                + (leaked.isEmpty || left.isEmpty ? "" : "; ")
                + (left.isEmpty ? "" : Wording.list(left, "flow", \.label))
                + ": the isolated network forwards out"
            draft.frames = leaked + left.evidenceFrames
            draft.evidenceSummary = "packets of the isolated network seen leaving the host"
            draft.remediation = Remediation("Delete the rules that accept traffic out of the network's bridge, or re-create libvirt's rules",
                                            commands: ["virsh net-destroy \(name) && virsh net-start \(name)"])
            return draft
        }
        draft.message = "network \(name) (\(fam)): nothing of the network on \(t.uplinks.map(\.interface).joined(separator: ", "))"
            + (t.crossings.isEmpty ? "" : "; " + Wording.list(t.crossings, "outbound attempt", \.side.key.description) + " stayed on the host")
        draft.frames = t.crossings.evidenceFrames
        draft.evidenceSummary = "outbound attempts of guests that stayed on the bridge"
        return draft
    }

    /// Any flow from outside that reaches a guest is a frame the host forwarded into the network.
    private static func nothingEnters(_ t: NetworkTraffic) -> TrafficDraft? {
        let name = t.network.name, fam = Wording.family(t.family)
        let entered = t.sideFlows.filter { $0.direction == .inbound }.map(\.flow)
        let attempts = t.inboundAttempts()
        var draft = TrafficDraft(id: "traffic.isolated.nothing-enters", title: "Nothing is forwarded into the network",
                                 status: .pass, message: "", family: t.family)
        if !entered.isEmpty {
            draft.status = .fail
            draft.message = "network \(name) (\(fam)): " + Wording.list(entered, "flow", \.key.description) + " from outside reached a guest on \(t.sides.map(\.interface).joined(separator: ", ")): the host forwards into the isolated network"
            draft.frames = TrafficDraft.frames(of: entered)
            draft.evidenceSummary = "frames forwarded into the isolated network"
            draft.remediation = Remediation("Delete the rules that accept traffic into the network's bridge, or re-create libvirt's rules",
                                            commands: ["virsh net-destroy \(name) && virsh net-start \(name)"])
            return draft
        }
        guard !attempts.isEmpty else { return nil }
        draft.message = "network \(name) (\(fam)): " + Wording.list(attempts.map(\.flow), "connection attempt", \.key.description) + " from outside stopped at the host"
        draft.frames = TrafficDraft.frames(of: attempts.map(\.flow))
        draft.evidenceSummary = "connection attempts from outside on the uplink"
        return draft
    }
}
