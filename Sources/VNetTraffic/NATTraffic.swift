import VNetJudge
import VNetModel

/// A nat network from its packets: translated on the way out (or, for IPv6 without `<nat ipv6='yes'/>`,
/// routed), never its guests' addresses on an uplink, no new connection in.
enum NATTraffic {
    static func drafts(_ t: NetworkTraffic) -> [TrafficDraft] {
        let translates = t.family == .ipv4 || (t.network.forward.nat?.ipv6 ?? false)
        guard translates else { return routedIPv6(t) }
        return [noGuestAddress(t), outboundTranslated(t), inboundRefused(t)].compactMap { $0 }
    }

    private static func noGuestAddress(_ t: NetworkTraffic) -> TrafficDraft? {
        let name = t.network.name, fam = Wording.family(t.family)
        var draft = TrafficDraft(id: "traffic.nat.no-guest-address-on-uplink", title: "No guest address leaves untranslated",
                                 status: .pass, message: "", family: t.family)
        let (leakedCount, leaked) = t.guestFramesOnUplinks()
        if !leaked.isEmpty {
            let untranslated = t.crossings.filter { $0.left && $0.translatedTo == nil }
            draft.status = .fail
            draft.message = "network \(name) (\(fam)): \(leakedCount) frame\(leakedCount == 1 ? "" : "s") on \(t.interfaces(of: leaked)) carry a guest's own address or MAC: the masquerade did not translate them"
                + (untranslated.isEmpty ? "" : "; " + Wording.list(untranslated, "flow", \.label))
            draft.frames = leaked + untranslated.evidenceFrames
            draft.evidenceSummary = "guest-source packets seen on the uplink, with their flows on both sides"
            draft.remediation = Remediation("Re-create libvirt's rules for the network (its masquerade is missing or bypassed)",
                                            commands: ["virsh net-destroy \(name) && virsh net-start \(name)"])
            return draft
        }
        let translated = t.crossings.filter { $0.translatedTo != nil }
        guard !translated.isEmpty else { return nil }
        draft.message = "network \(name) (\(fam)): no guest address or MAC on \(t.uplinks.map(\.interface).joined(separator: ", ")); " + Wording.list(translated, "flow", \.label)
        draft.frames = TrafficDraft.frames(of: translated.compactMap(\.uplink))
        draft.evidenceSummary = "translated guest flows as they left"
        return draft
    }

    private static func outboundTranslated(_ t: NetworkTraffic) -> TrafficDraft? {
        let name = t.network.name, fam = Wording.family(t.family)
        guard !t.crossings.isEmpty else { return nil }
        var draft = TrafficDraft(id: "traffic.nat.outbound-translated", title: "Guest flows leave translated and are answered",
                                 status: .pass, message: "", family: t.family)
        guard !t.uplinks.isEmpty else {
            draft.status = .inconclusive
            draft.message = "network \(name) (\(fam)): guests opened \(t.crossings.count) outbound flows but no uplink was captured to follow them"
            return draft
        }
        let left = t.crossings.filter(\.left)
        let answered = left.filter { $0.translatedTo != nil && $0.answered }
        let unanswered = left.filter { $0.translatedTo != nil && !$0.answered && !t.inGrace($0.side) }
        let untranslated = left.filter { $0.translatedTo == nil }
        let stayed = t.crossings.filter { !$0.left }
        if !untranslated.isEmpty {
            draft.status = .fail
            draft.message = "network \(name) (\(fam)): " + Wording.list(untranslated, "flow", \.label) + " left with the guest's own address"
            draft.frames = untranslated.evidenceFrames
            draft.evidenceSummary = "guest flows that left untranslated, on the bridge and the uplink"
        } else if left.isEmpty {
            draft.status = .fail
            draft.message = "network \(name) (\(fam)): " + Wording.list(stayed, "outbound flow", \.label) + " and none reached \(t.uplinks.map(\.interface).joined(separator: ", ")): the host does not forward them"
            draft.frames = stayed.evidenceFrames
            draft.evidenceSummary = "guest flows seen on the bridge that never reached an uplink"
        } else if answered.isEmpty && !unanswered.isEmpty {
            draft.status = .warn
            draft.message = "network \(name) (\(fam)): " + Wording.list(unanswered, "flow", \.label) + " left translated but nothing answered"
            draft.frames = unanswered.evidenceFrames
            draft.evidenceSummary = "translated flows without an answer"
        } else {
            draft.message = "network \(name) (\(fam)): " + Wording.list(left, "flow", \.label)
                + (stayed.isEmpty ? "" : "; " + Wording.list(stayed, "other flow", \.label) + " stayed on the host")
            draft.frames = answered.evidenceFrames
            draft.evidenceSummary = "translated guest flows and their answers, on the bridge and the uplink"
        }
        return draft
    }

    private static func inboundRefused(_ t: NetworkTraffic) -> TrafficDraft? {
        let name = t.network.name, fam = Wording.family(t.family)
        let reached = t.sideFlows.filter { $0.direction == .inbound && $0.flow.opens }.map(\.flow)
        let attempts = t.inboundAttempts()
        var draft = TrafficDraft(id: "traffic.nat.inbound-refused", title: "New connections from outside do not reach guests",
                                 status: .pass, message: "", family: t.family)
        if !reached.isEmpty {
            draft.status = .fail
            draft.message = "network \(name) (\(fam)): " + Wording.list(reached, "new connection", \.key.description) + " from outside reached a guest on \(t.sides.map(\.interface).joined(separator: ", ")): the guests are exposed"
            draft.frames = TrafficDraft.frames(of: reached) + TrafficDraft.frames(of: attempts.filter(\.reached).map(\.flow))
            draft.evidenceSummary = "connections opened from outside, as they reached the guest"
            draft.remediation = Remediation("Delete the rules that accept new connections into the network's bridge, or re-create libvirt's rules",
                                            commands: ["virsh net-destroy \(name) && virsh net-start \(name)"])
            return draft
        }
        guard !attempts.isEmpty else { return nil }
        draft.message = "network \(name) (\(fam)): " + Wording.list(attempts.map(\.flow), "new connection", \.key.description) + " from outside refused by the host"
        draft.frames = TrafficDraft.frames(of: attempts.map(\.flow))
        draft.evidenceSummary = "connection attempts from outside on the uplink, and the host's answer"
        return draft
    }

    /// IPv6 of a nat network without `<nat ipv6='yes'/>`: libvirt routes it, so guests leave with their own
    /// addresses (warn, as the static claim does); not leaving at all is a failure.
    private static func routedIPv6(_ t: NetworkTraffic) -> [TrafficDraft] {
        guard !t.crossings.isEmpty, !t.uplinks.isEmpty else { return [] }
        let name = t.network.name
        let left = t.crossings.filter(\.left)
        var draft = TrafficDraft(id: "traffic.nat.ipv6-routed", title: "IPv6 of a nat network is routed", status: .warn,
                                 message: "", family: .ipv6)
        if left.isEmpty {
            draft.status = .fail
            draft.message = "network \(name) (IPv6): " + Wording.list(t.crossings, "outbound flow", \.label) + "; none reached an uplink"
            draft.frames = t.crossings.evidenceFrames
            draft.evidenceSummary = "IPv6 guest flows that never left"
        } else {
            let own = left.filter { $0.translatedTo == nil }
            draft.status = own.isEmpty ? .pass : .warn
            draft.message = "network \(name) (IPv6): " + Wording.list(left, "flow", \.label)
                + (own.isEmpty ? "" : ": without <nat ipv6='yes'/> libvirt routes IPv6, guests use their own addresses and the LAN needs a route to them")
            draft.frames = left.evidenceFrames
            draft.evidenceSummary = "IPv6 guest flows as they left"
            if !own.isEmpty {
                draft.remediation = Remediation("Add <nat ipv6='yes'/> to the network (virsh net-edit \(name), then restart it), or route the prefix to the host on the LAN router",
                                                commands: RouteTraffic.routeCommands(t, through: left))
            }
        }
        return [draft]
    }
}
