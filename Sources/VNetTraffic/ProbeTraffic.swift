import VNetJudge
import VNetModel

/// A network's probe port as the judge needs it (`check --probe`): the probe's own addresses, whose
/// flows are judged against the mode's claims, and the inbound connections tried towards it.
public struct ProbedNetwork: Sendable, Hashable {
    public struct Inbound: Sendable, Hashable {
        public var family: AddressFamily
        /// Where from (`netns LAN`) and to (`192.168.122.254:47080`), as the probe tried it.
        public var from: String
        public var to: String
        /// The connection was accepted; nil when the attempt could not be made.
        public var accepted: Bool?
        public var detail: String

        public init(family: AddressFamily, from: String, to: String, accepted: Bool?, detail: String) {
            self.family = family
            self.from = from
            self.to = to
            self.accepted = accepted
            self.detail = detail
        }
    }

    public var network: String
    public var addresses: [IPAddress]
    public var inboundPort: UInt16
    public var inbound: [Inbound]

    public init(network: String, addresses: [IPAddress], inboundPort: UInt16, inbound: [Inbound]) {
        self.network = network
        self.addresses = addresses
        self.inboundPort = inboundPort
        self.inbound = inbound
    }
}

/// The mode's claims judged from the probe's own flows: nat leaves translated and is answered, route and
/// open leave untranslated, isolated never reaches an uplink; inbound, nat and isolated refuse, route and
/// open accept. Guest traffic in the same capture is judged by the mode's other findings, not here.
enum ProbeTraffic {
    static func drafts(_ t: NetworkTraffic, probe: ProbedNetwork) -> [TrafficDraft] {
        let own = Set(probe.addresses.filter { $0.family == t.family })
        guard !own.isEmpty else { return [] }
        return [outbound(t, own: own), inbound(t, probe: probe, own: own)].compactMap { $0 }
    }

    private static func outbound(_ t: NetworkTraffic, own: Set<IPAddress>) -> TrafficDraft? {
        let mode = t.network.mode, name = t.network.name, fam = Wording.family(t.family)
        let probeFlows = t.crossings.filter { own.contains($0.side.key.source.address) }
        let translates = mode == .nat && (t.family == .ipv4 || (t.network.forward.nat?.ipv6 ?? false))
        let claim: String
        switch mode {
        case .isolated: claim = "never reach an uplink"
        case .nat where translates: claim = "leave translated and are answered"
        default: claim = "leave with the probe's own address"
        }
        var draft = TrafficDraft(id: "traffic.\(mode.rawValue).probe-outbound", title: "The probe's flows \(claim)",
                                 status: .pass, message: "", family: t.family)
        let from = own.sorted().map(\.description).joined(separator: ", ")
        guard !probeFlows.isEmpty else {
            draft.status = .inconclusive
            draft.message = "network \(name) (\(fam)): no outbound flow of the probe (\(from)) was seen on \(t.sides.map(\.interface).joined(separator: ", ")): nothing to judge"
            return draft
        }
        guard !t.uplinks.isEmpty else {
            draft.status = .inconclusive
            draft.message = "network \(name) (\(fam)): no uplink was captured to follow the probe's \(probeFlows.count) flows"
            return draft
        }
        let left = probeFlows.filter(\.left), stayed = probeFlows.filter { !$0.left }
        let wrong = translates ? left.filter { $0.translatedTo == nil } : left.filter { $0.translatedTo != nil }
        if mode == .isolated {
            if left.isEmpty {
                draft.message = "network \(name) (\(fam)): " + Wording.list(stayed, "probe flow", \.side.key.description) + ": none reached \(t.uplinks.map(\.interface).joined(separator: ", "))"
            } else {
                draft.status = .fail
                draft.message = "network \(name) (\(fam)): " + Wording.list(left, "probe flow", \.label) + ": the isolated network forwards out"
                draft.frames = left.flatMap(\.frames)
                draft.evidenceSummary = "the probe's packets on the bridge and on the uplink"
            }
            return draft
        }
        if left.isEmpty {
            draft.status = .fail
            draft.message = "network \(name) (\(fam)): " + Wording.list(stayed, "probe flow", \.label) + ": none reached \(t.uplinks.map(\.interface).joined(separator: ", ")), the host does not forward the network"
            draft.frames = stayed.flatMap(\.frames)
            draft.evidenceSummary = "the probe's flows on the bridge, none on an uplink"
        } else if !wrong.isEmpty {
            draft.status = translates ? .fail : .warn
            draft.message = "network \(name) (\(fam)): " + Wording.list(wrong, "probe flow", \.label)
                + (translates ? ": the probe's own address reached the uplink, the masquerade did not translate it" : ": a \(mode.rawValue) network should not translate")
            draft.frames = wrong.flatMap(\.frames)
            draft.evidenceSummary = translates ? "the probe's untranslated packets on the bridge and on the uplink" : "the probe's translated flows"
            if translates {
                draft.remediation = Remediation("Re-create libvirt's rules for the network (its masquerade is missing or bypassed)",
                                                commands: ["virsh net-destroy \(name) && virsh net-start \(name)"])
            }
        } else if translates && !left.contains(where: \.answered) {
            draft.status = .warn
            draft.message = "network \(name) (\(fam)): " + Wording.list(left, "probe flow", \.label) + ": translated, but nothing answered (is the target up?)"
            draft.frames = left.flatMap(\.frames)
            draft.evidenceSummary = "the probe's translated flows without answers"
        } else {
            draft.message = "network \(name) (\(fam)): " + Wording.list(left, "probe flow", \.label)
            draft.frames = left.flatMap(\.frames)
            draft.evidenceSummary = "the probe's flows on the bridge and on the uplink, with their answers"
        }
        return draft
    }

    private static func inbound(_ t: NetworkTraffic, probe: ProbedNetwork, own: Set<IPAddress>) -> TrafficDraft? {
        let tries = probe.inbound.filter { $0.family == t.family }
        guard !tries.isEmpty else { return nil }
        let mode = t.network.mode, name = t.network.name, fam = Wording.family(t.family)
        // IPv6 of a nat network without <nat ipv6='yes'/> is routed: reachable, as its static claim warns.
        let routedIPv6 = mode == .nat && t.family == .ipv6 && !(t.network.forward.nat?.ipv6 ?? false)
        let mustRefuse = (mode == .nat && !routedIPv6) || mode == .isolated
        var draft = TrafficDraft(id: "traffic.\(mode.rawValue).probe-inbound",
                                 title: mustRefuse ? "New connections from outside do not reach the probe" : "New connections from outside reach the probe",
                                 status: .pass, message: "", family: t.family)
        let flows = (t.sides + t.uplinks).flatMap(\.flows).filter {
            own.contains($0.key.destination.address) && $0.key.destination.port == probe.inboundPort
        }
        draft.frames = TrafficDraft.frames(of: flows)
        draft.evidenceSummary = "the inbound probe's connection attempts on the uplink and the bridge"
        let said = tries.map { "\($0.from) -> \($0.to): " + ($0.accepted.map { $0 ? "accepted" : "not accepted" } ?? "not tried") + ($0.detail.isEmpty ? "" : " (\($0.detail))") }
        let reachedBridge = flows.contains { flow in t.sides.contains { $0.index == flow.capture } && flow.opens }
        if tries.contains(where: { $0.accepted == nil }) {
            draft.status = .inconclusive
        } else if routedIPv6 {
            draft.status = tries.contains { $0.accepted == true } ? .warn : .pass
        } else if mustRefuse {
            let exposed = tries.contains { $0.accepted == true } || reachedBridge
            draft.status = exposed ? .fail : .pass
            if exposed {
                draft.remediation = Remediation("Delete the rules that accept new connections into the network's bridge, or re-create libvirt's rules",
                                                commands: ["virsh net-destroy \(name) && virsh net-start \(name)"])
            }
        } else if !tries.allSatisfy({ $0.accepted == true }) {
            draft.status = .fail
            draft.remediation = Remediation("The peer needs a route to the network through the host, and the host's firewall must let new connections in",
                                            commands: RouteTraffic.routeCommands(t, through: []))
        }
        draft.message = "network \(name) (\(fam)): " + said.joined(separator: "; ")
            + (mustRefuse && reachedBridge ? "; the connection reached the bridge" : "")
        return draft
    }
}
