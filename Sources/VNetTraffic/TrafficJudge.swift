import VNetJudge
import VNetModel
import VNetPackets

/// Judges each audited network's mode claims from captured traffic (docs/traffic.md): flows on the
/// network's bridge followed to its uplinks (through NAT), leaks, exposure, return routes, DHCP/DNS
/// answers, ICMP errors and the host's rejects, compared with what the rule set says.
public enum TrafficJudge {
    /// Decodes `captures` and judges them; captures of interfaces the scope does not use are ignored (noted).
    public static func judge(scope: AuditScope, captures: [InterfaceCapture]) -> TrafficJudgement {
        judge(scope: scope, decoded: captures.map(DecodedCapture.init(decoding:)))
    }

    /// `probes`: the probe ports of `check --probe`, whose own flows are judged too.
    public static func judge(scope: AuditScope, decoded: [DecodedCapture], probes: [ProbedNetwork] = []) -> TrafficJudgement {
        judge(scope: scope, analyses: decoded.map(CaptureAnalysis.init(decoded:)), probes: probes) { decoded[$0].capture.frames(numbered: $1) }
    }

    /// Judges captures analysed frame by frame; `reading` gives the frames numbered `frames` of
    /// `analyses[capture]` for the evidence files (a file is read again for them).
    public static func judge(scope: AuditScope, analyses: [CaptureAnalysis], probes: [ProbedNetwork] = [],
                             reading: (_ capture: Int, _ frames: Set<Int>) throws -> [Int: CapturedFrame]) rethrows -> TrafficJudgement {
        let targets = CapturePlan.targets(for: scope)
        let roles = Dictionary(targets.map { ($0.interface, $0.role) }, uniquingKeysWith: { first, _ in first })
        let traffic = analyses.enumerated().map { entry in
            var t = entry.element.traffic
            t.place(at: entry.offset)
            return t
        }
        var evidence = EvidenceFiles(traffic: traffic)
        var findings: [ScopedFinding] = []
        var flows: [FlowOutcome] = []
        let unplanned = Set(traffic.map(\.interface).filter { roles[$0] == nil })
        findings.append(ScopedFinding(network: nil, finding: CaptureQuality.finding(traffic, unplanned: unplanned)))

        for network in scope.networks where network.active && judgedModes.contains(network.mode) {
            let sides = traffic.filter { roles[$0.interface]?.guestSideOf == network.name }
            let uplinks = traffic.filter { t in
                if case .uplink(let ns)? = roles[t.interface] { return ns.contains(network.name) }
                return false
            }
            let foreign = traffic.filter { t in roles[t.interface]?.guestSideOf.map { $0 != network.name } ?? false }
            let probe = probes.first { $0.network == network.name }
            let claims = ClaimJudge.judge(network, on: scope.host)
            for family in families(of: network, host: scope.host) {
                let view = NetworkTraffic(network: network, family: family, host: scope.host, sides: sides, uplinks: uplinks,
                                          foreignSides: foreign, probeAddresses: Set(probe?.addresses ?? []))
                let drafts = judge(view, sidesExpected: targets.filter { $0.role.guestSideOf == network.name }.map(\.interface), claims: claims,
                                   probe: probe)
                findings += drafts.map { ScopedFinding(network: network.name, finding: evidence.finding($0, network: network.name)) }
                flows += view.crossings.map {
                    FlowOutcome(network: network.name, family: family, flow: $0.side.key.description, leftThrough: $0.uplinkInterface,
                                translatedTo: $0.translatedTo?.description, answered: $0.answered)
                }
            }
        }
        return TrafficJudgement(findings: findings, evidence: try evidence.files(reading: reading), flows: flows)
    }

    static let judgedModes: Set<ForwardMode> = [.nat, .route, .isolated, .open, .bridge]

    /// The families the network carries: those of its `<ip>`s; a bridge-mode network, those of the host
    /// bridge's addresses (both when it has none: guests may use either).
    static func families(of network: LibvirtNetwork, host: HostState) -> [AddressFamily] {
        let fromModel = network.mode == .bridge
            ? network.bridge?.name.map { host.addresses(of: $0).map(\.family) } ?? []
            : network.ips.map(\.family)
        let present = AddressFamily.allCases.filter(fromModel.contains)
        return present.isEmpty && network.mode == .bridge ? AddressFamily.allCases : present
    }

    /// One network and family: no guest-side capture or no traffic there is inconclusive and nothing else
    /// is judged; otherwise the mode's findings, the services', the ICMP ones and rules-vs-traffic, with
    /// every pass made inconclusive when a capture involved dropped frames.
    static func judge(_ t: NetworkTraffic, sidesExpected: [String], claims: [Finding], probe: ProbedNetwork? = nil) -> [TrafficDraft] {
        let mode = t.network.mode.rawValue, fam = Wording.family(t.family)
        guard !t.sides.isEmpty, t.hasTraffic else {
            let why = t.sides.isEmpty
                ? "\(sidesExpected.isEmpty ? "its guest side" : sidesExpected.joined(separator: ", ")) was not captured"
                : "\(t.sides.map(\.interface).joined(separator: ", ")) carried no \(fam) traffic during the capture"
            return [TrafficDraft(id: "traffic.\(mode).traffic-seen", title: "The network had traffic to judge by",
                                 status: .inconclusive, message: "network \(t.network.name) (\(fam)): \(why): nothing to judge its claims by",
                                 family: t.family)]
        }
        var drafts: [TrafficDraft]
        switch t.network.mode {
        case .nat: drafts = NATTraffic.drafts(t)
        case .route: drafts = RouteTraffic.drafts(t)
        case .isolated: drafts = IsolatedTraffic.drafts(t)
        case .bridge: drafts = BridgeTraffic.drafts(t)
        default: drafts = OpenTraffic.drafts(t)
        }
        drafts += ServiceTraffic.drafts(t) + ICMPTraffic.drafts(t) + (probe.map { ProbeTraffic.drafts(t, probe: $0) } ?? [])
        if let comparison = RulesVsTraffic.draft(network: t.network, family: t.family, traffic: drafts, claims: claims) {
            drafts.append(comparison)
        }
        if let gaps = CaptureQuality.gaps((t.sides + t.uplinks).map(\.capture)) {
            for i in drafts.indices where drafts[i].status == .pass {
                drafts[i].status = .inconclusive
                drafts[i].message += "; but \(gaps)"
            }
        }
        return drafts
    }
}
