import VNetJudge
import VNetModel

/// ICMP errors about a network's flows, and the host's own rejects (its firewall answering in the far
/// end's stead: an unreachable from a host address, a reset for a flow that never left).
enum ICMPTraffic {
    static func drafts(_ t: NetworkTraffic) -> [TrafficDraft] {
        [errors(t), hostRejects(t)].compactMap { $0 }
    }

    /// Errors on the guest side (not the host's rejects) and on the uplinks about the network's flows as
    /// they left: "too big" means path-MTU trouble; unreachables and time-exceeded name a router.
    private static func errors(_ t: NetworkTraffic) -> TrafficDraft? {
        // A probe's target may refuse its TCP and UDP (a closed port): an answer, judged with the probe.
        let probeFlows = Set(t.crossings.filter { t.probeAddresses.contains($0.side.key.source.address) }.compactMap { $0.uplink?.identity })
        let leftFlows = Set(t.crossings.compactMap { $0.uplink?.identity }).subtracting(probeFlows)
        let aboutProbe = { (error: ICMPErrorSighting) in
            error.kind == .unreachable && (error.message.quoted.map { t.probeAddresses.contains($0.source) } ?? false)
        }
        var found: [(InterfaceTraffic, ICMPErrorSighting)] = []
        for side in t.sides {
            for error in side.icmpErrors where error.from.family == t.family && !aboutProbe(error)
                && !(error.kind == .unreachable && t.hostAddresses.contains(error.from)) {
                found.append((side, error))
            }
        }
        for uplink in t.uplinks {
            for error in uplink.icmpErrors where error.from.family == t.family && !t.hostAddresses.contains(error.from) {
                let aboutGuest = !aboutProbe(error) && (error.message.quoted.map { t.isGuest($0.source) } ?? false)
                let aboutFlow = error.quotedKey.map { leftFlows.contains(FlowIdentity(capture: uplink.index, key: $0)) } ?? false
                if aboutGuest || aboutFlow { found.append((uplink, error)) }
            }
        }
        guard !found.isEmpty else { return nil }
        let tooBig = found.filter { $0.1.kind == .tooBig }
        var draft = TrafficDraft(id: "traffic.icmp-errors", title: "No ICMP errors about the network's flows", status: .warn,
                                 message: "network \(t.network.name) (\(Wording.family(t.family))): "
                                    + Wording.list(found, "ICMP error", limit: 4) { "\($0.1.label) on \($0.0.interface)" }
                                    + (tooBig.isEmpty ? "" : ": packets are larger than a link on the path (MTU mismatch or a blocked path-MTU discovery)"),
                                 family: t.family)
        draft.frames = found.map { $0.0.ref($0.1.frame) }
        draft.evidenceSummary = "ICMP errors about the network's flows"
        if !tooBig.isEmpty {
            draft.remediation = Remediation("Give the guests, their tap devices and the bridge the MTU of the path (or clamp TCP MSS)",
                                            commands: [])
        }
        return draft
    }

    /// What the host refused by answering itself. Refusing what the mode promises to carry is a warning
    /// (the static claims say which rule); refusing what the mode must keep out passes.
    private static func hostRejects(_ t: NetworkTraffic) -> TrafficDraft? {
        guard !t.isBridgeMode else { return nil }
        var outbound: [(String, [FrameRef])] = [], inbound: [(String, [FrameRef])] = []
        for side in t.sides {
            for error in side.icmpErrors where error.kind == .unreachable && t.hostAddresses.contains(error.from)
                && error.from.family == t.family && t.isGuest(error.to) {
                let flow = error.quotedKey.flatMap { side.flow($0) }
                outbound.append(("\(error.label) to \(error.to)", [side.ref(error.frame)] + (flow?.frames ?? [])))
            }
        }
        for crossing in t.crossings where !crossing.left && crossing.side.resetBack && !t.uplinks.isEmpty {
            outbound.append(("reset for \(crossing.side.key), which never left", crossing.side.frames))
        }
        for uplink in t.uplinks {
            for error in uplink.icmpErrors where error.kind == .unreachable && t.hostAddresses.contains(error.from)
                && (error.message.quoted.map { t.isGuest($0.destination) } ?? false) {
                let flow = error.quotedKey.flatMap { uplink.flow($0) }
                inbound.append(("\(error.label) to \(error.to)", (flow?.frames ?? []) + [uplink.ref(error.frame)]))
            }
        }
        for attempt in t.inboundAttempts() where !attempt.reached && attempt.flow.resetBack {
            inbound.append(("reset for \(attempt.flow.key), which never reached the guests", attempt.flow.frames))
        }
        guard !outbound.isEmpty || !inbound.isEmpty else { return nil }
        let mode = t.network.mode
        let outboundExpected = mode == .isolated
        let inboundExpected = mode == .nat || mode == .isolated
        let unexpected = (outboundExpected ? [] : outbound) + (inboundExpected ? [] : inbound)
        var draft = TrafficDraft(id: "traffic.host-rejects", title: "The host rejects only what the mode keeps out",
                                 status: unexpected.isEmpty ? .pass : .warn, message: "", family: t.family)
        let all = outbound + inbound
        draft.message = "network \(t.network.name) (\(Wording.family(t.family))): the host itself answered "
            + Wording.list(all, "time", limit: 4) { $0.0 }
            + (unexpected.isEmpty ? ", all of it traffic the \(mode.rawValue) mode keeps out"
                                  : "; \(unexpected.count) of them refuse traffic a \(mode.rawValue) network carries: its firewall rejects it (the static claims name the rule)")
        draft.frames = (unexpected.isEmpty ? all : unexpected).flatMap(\.1)
        draft.evidenceSummary = "the host's rejects and the packets they refuse"
        return draft
    }
}
