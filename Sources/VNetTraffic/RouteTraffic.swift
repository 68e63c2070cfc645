import VNetJudge
import VNetModel

/// A route network from its packets: guests leave with their own addresses, answers come back (the LAN
/// routes the subnet to the host), new connections from outside reach them.
enum RouteTraffic {
    static func drafts(_ t: NetworkTraffic) -> [TrafficDraft] {
        [outboundUntranslated(t), returnRoute(t), inboundAccepted(t)].compactMap { $0 }
    }

    /// `ip route add SUBNET via HOST-ADDRESS` for each subnet, via the host's address on each uplink the
    /// crossings left through (every captured uplink when none left).
    static func routeCommands(_ t: NetworkTraffic, through crossings: [NetworkTraffic.Crossing]) -> [String] {
        var devices = crossings.compactMap(\.uplinkInterface)
        if devices.isEmpty { devices = t.uplinks.map(\.interface) }
        var seen = Set<String>()
        return devices.filter { seen.insert($0).inserted }.flatMap { device in
            t.subnets.map { Wording.routeCommand($0, via: t.uplinkAddresses[device]?.first?.address) }
        }
    }

    private static func outboundUntranslated(_ t: NetworkTraffic) -> TrafficDraft? {
        guard !t.crossings.isEmpty else { return nil }
        let name = t.network.name, fam = Wording.family(t.family)
        var draft = TrafficDraft(id: "traffic.route.outbound-untranslated", title: "Guest flows leave with the guests' own addresses",
                                 status: .pass, message: "", family: t.family)
        guard !t.uplinks.isEmpty else {
            draft.status = .inconclusive
            draft.message = "network \(name) (\(fam)): no uplink was captured to follow \(t.crossings.count) outbound flows"
            return draft
        }
        let left = t.crossings.filter(\.left)
        let translated = left.filter { $0.translatedTo != nil }
        if left.isEmpty {
            draft.status = .fail
            draft.message = "network \(name) (\(fam)): " + Wording.list(t.crossings, "outbound flow", \.label) + "; none reached \(t.uplinks.map(\.interface).joined(separator: ", "))"
            draft.frames = t.crossings.evidenceFrames
            draft.evidenceSummary = "guest flows that never reached an uplink"
        } else if !translated.isEmpty {
            draft.status = .warn
            draft.message = "network \(name) (\(fam)): " + Wording.list(translated, "flow", \.label) + ": a route network should not translate"
            draft.frames = translated.evidenceFrames
            draft.evidenceSummary = "guest flows translated on the way out"
        } else {
            draft.message = "network \(name) (\(fam)): " + Wording.list(left, "flow", \.label)
            draft.frames = left.evidenceFrames
            draft.evidenceSummary = "guest flows leaving with their own addresses"
        }
        return draft
    }

    /// Untranslated flows that leave and are never answered while other flows on the uplink are: the LAN
    /// has no route back to the subnet (fail); with nothing answered on the uplink at all the peer may just
    /// be silent (warn). Either way the remediation is the LAN router's route.
    private static func returnRoute(_ t: NetworkTraffic) -> TrafficDraft? {
        let name = t.network.name, fam = Wording.family(t.family)
        let left = t.crossings.filter { $0.left && $0.translatedTo == nil && ($0.answered || !t.inGrace($0.side)) }
        guard !left.isEmpty else { return nil }
        let answered = left.filter(\.answered), unanswered = left.filter { !$0.answered }
        var draft = TrafficDraft(id: "traffic.route.return-route", title: "Answers come back to the routed subnet",
                                 status: .pass, message: "", family: t.family)
        if unanswered.isEmpty || !answered.isEmpty {
            draft.message = "network \(name) (\(fam)): " + Wording.list(answered, "flow", \.label)
                + (unanswered.isEmpty ? "" : "; \(unanswered.count) other\(unanswered.count == 1 ? "" : "s") unanswered")
            draft.frames = answered.evidenceFrames
            draft.evidenceSummary = "routed guest flows and their answers"
            return draft
        }
        let mine = Set(left.compactMap { $0.uplink?.identity })
        let others = t.uplinks.flatMap(\.flows).filter { $0.answered && !mine.contains($0.identity) }
        let commands = routeCommands(t, through: unanswered)
        draft.status = others.isEmpty ? .warn : .fail
        draft.message = "network \(name) (\(fam)): " + Wording.list(unanswered, "flow", \.label)
            + (others.isEmpty ? "; nothing else on the uplink was answered either, so the peer may simply be silent"
                              : " while \(others.count) other flow\(others.count == 1 ? " was" : "s were") answered on the uplink: the LAN has no route back to \(t.subnets.map(\.description).joined(separator: ", "))")
        draft.frames = unanswered.evidenceFrames + TrafficDraft.frames(of: Array(others.prefix(3)))
        draft.evidenceSummary = "routed guest flows that left and were never answered" + (others.isEmpty ? "" : ", and answered flows for comparison")
        draft.remediation = Remediation("On the LAN router, route the network's subnet to the host's address on the uplink", commands: commands)
        return draft
    }

    private static func inboundAccepted(_ t: NetworkTraffic) -> TrafficDraft? {
        let attempts = t.inboundAttempts()
        guard !attempts.isEmpty else { return nil }
        let name = t.network.name, fam = Wording.family(t.family)
        let refused = attempts.filter { !$0.reached }.map(\.flow), reached = attempts.filter(\.reached).map(\.flow)
        var draft = TrafficDraft(id: "traffic.route.inbound-accepted", title: "New connections from outside reach the guests",
                                 status: reached.isEmpty ? .fail : .pass, message: "", family: t.family)
        if reached.isEmpty {
            draft.message = "network \(name) (\(fam)): " + Wording.list(refused, "new connection", \.key.description) + " from outside never reached \(t.sides.map(\.interface).joined(separator: ", "))"
            draft.frames = TrafficDraft.frames(of: refused)
            draft.evidenceSummary = "connections opened from outside that stopped at the host"
        } else {
            draft.message = "network \(name) (\(fam)): " + Wording.list(reached, "new connection", \.key.description) + " from outside reached the guests"
                + (refused.isEmpty ? "" : "; \(refused.count) did not")
            draft.frames = TrafficDraft.frames(of: reached + refused)
            draft.evidenceSummary = "connections opened from outside, on the uplink"
        }
        return draft
    }
}
