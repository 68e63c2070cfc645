import VNetModel

/// Walks `probe` through `host` the way the kernel does. A packet from an interface meets the ingress
/// chains of its device (inet and netdev tables) and PREROUTING, then routing on its (possibly DNATed)
/// destination, then INPUT when local, or FORWARD and POSTROUTING when forwarded (only if the family's
/// forwarding sysctl is on). A packet the host generates
/// (`inInterface` nil) is routed, meets OUTPUT, is routed again if OUTPUT changed its destination or
/// mark, then meets POSTROUTING; when it is for the host itself it comes back in through `lo` and meets
/// PREROUTING (without nat) and INPUT. Marks and translations carry from hook to hook.
/// A packet received on a bridge also meets the bridge tables' prerouting and input chains, and
/// carries br_netfilter's bridge information (`-m physdev`) when `bridge-nf-call-*` is on.
public func planPath(_ probe: PacketProbe, on host: HostState) -> PacketPath {
    var planner = PathPlanner(host: host, packet: probe)
    if probe.inInterface == nil { planner.planLocallyGenerated() } else { planner.planReceived() }
    planner.finish()
    return planner.path
}

/// Walks a frame that `bridge` forwards from port `probe.bridgePortIn` to port `probe.bridgePortOut`
/// (no routing decision): the ingress chains of the in-port, then the bridge tables' prerouting, forward
/// and postrouting chains; when `net.bridge.bridge-nf-call-iptables` (`-ip6tables` for IPv6) or the
/// bridge's own option is on, br_netfilter also runs the ip/ip6/inet PREROUTING, FORWARD and POSTROUTING
/// chains from inside those bridge hooks, with the bridge as `iifname` and `oifname` and the ports as
/// `physdev-in`/`physdev-out`. An unrecorded setting makes the fate unknown, naming the sysctl.
public func planBridgedPath(_ probe: PacketProbe, bridge: String, on host: HostState) -> PacketPath {
    var planner = PathPlanner(host: host, packet: probe)
    planner.planBridged(bridge: bridge)
    planner.finish()
    return planner.path
}

private struct PathPlanner {
    let host: HostState
    var packet: PacketProbe
    var path = PacketPath()
    /// Where the packet leaves if it gets through (see `PacketPath.egressInterface`).
    private var egress: String?
    /// The packet as the last walk's chain that made the kernel route it again left it, and that chain.
    private var rerouted: (packet: PacketProbe, by: String)?
    private let addressTypes: AddressTypes
    private let hasBridgeTables: Bool

    init(host: HostState, packet: PacketProbe) {
        self.host = host
        self.packet = packet.startingPath
        addressTypes = AddressTypes(host: host)
        hasBridgeTables = host.firewall.tables.contains { $0.family == .bridge }
    }

    mutating func planReceived() {
        // What the link layer called the frame is fixed on arrival, whatever a DNAT does later.
        let arrivedAs = packet.inInterface.flatMap { linkLayerType(of: packet.destination, receivedOn: $0, addressTypes: addressTypes) }
        guard walk(receivingVisits()), let routed = route(), sourceValid() else { return }
        switch routed {
        case .local:
            packet.outInterface = nil
            walk(routedLayer(.input))
        case .egress(let device):
            guard forwardingAllowed(), hopsRemain(), addressedToHost(arrivedAs) else { return }
            packet.outInterface = device
            egress = device
            walk(routedLayer(.forward, .postrouting))
        }
    }

    mutating func planBridged(bridge: String) {
        egress = packet.bridgePortOut
        packet.outInterface = nil
        packet.inInterface = packet.bridgePortIn
        guard walk(routedLayer(.ingress)) else { return }
        packet.inInterface = bridge
        packet.outInterface = bridge
        note("bridged by \(bridge) from port \(packet.bridgePortIn ?? "(unnamed)") to port \(packet.bridgePortOut ?? "(unnamed)"): no routing decision")
        let (calls, reason) = bridgeCallsIPHooks(bridge)
        guard let calls else {
            stop(.unknown, reason)
            return
        }
        note(reason)
        guard calls else {
            walk([HookVisit(hook: .prerouting, layer: .bridge), HookVisit(hook: .forward, layer: .bridge),
                  HookVisit(hook: .postrouting, layer: .bridge)])
            return
        }
        packet.bridgeNetfilter = .bridged
        walk(bridgeSplit(.prerouting, at: Self.brNetfilterPreroutingPriority)
             + bridgeSplit(.forward, at: Self.brNetfilterForwardPriority)
             + [HookVisit(hook: .postrouting, layer: .bridge), HookVisit(hook: .postrouting, layer: .routed)])
    }

    /// Where br_netfilter hooks the bridge to run the ip hooks (NF_BR_PRI_BRNF; FORWARD one below):
    /// bridge chains of lower priority run before the ip chains, the others after. At POSTROUTING it
    /// runs last.
    private static let brNetfilterPreroutingPriority = 0
    private static let brNetfilterForwardPriority = -1

    /// The bridge chains of `hook` below `priority`, the routed layer's chains, then the other bridge chains.
    private func bridgeSplit(_ hook: Hook, at priority: Int) -> [HookVisit] {
        [HookVisit(hook: hook, layer: .bridge, priorities: Int.min...(priority - 1)),
         HookVisit(hook: hook, layer: .routed),
         HookVisit(hook: hook, layer: .bridge, priorities: priority...Int.max)]
    }

    private func routedLayer(_ hooks: Hook...) -> [HookVisit] { hooks.map { HookVisit(hook: $0, layer: .routed) } }

    /// What a received packet meets before routing. From a bridge: the bridge's prerouting and input
    /// chains first (br_netfilter runs PREROUTING from inside the bridge's prerouting hook, and the
    /// bridge device's ingress hook comes when the bridge passes the frame up).
    private mutating func receivingVisits() -> [HookVisit] {
        guard let device = packet.inInterface, let link = host.link(named: device), link.kind == .bridge else {
            packet.bridgeNetfilter = host.coverage.links == .notCollected ? .unknown : .none
            return routedLayer(.ingress, .prerouting)
        }
        let (calls, _) = bridgeCallsIPHooks(device)
        switch calls {
        case nil: packet.bridgeNetfilter = .unknown
        case false?: packet.bridgeNetfilter = .none
        case true?: packet.bridgeNetfilter = link.bridge?.ports.isEmpty == true ? .none : .routedFromPort
        }
        guard hasBridgeTables else { return routedLayer(.ingress, .prerouting) }
        if calls == true {
            return bridgeSplit(.prerouting, at: Self.brNetfilterPreroutingPriority)
                + [HookVisit(hook: .input, layer: .bridge)] + routedLayer(.ingress)
        }
        return [HookVisit(hook: .prerouting, layer: .bridge), HookVisit(hook: .input, layer: .bridge)]
            + routedLayer(.ingress, .prerouting)
    }

    /// Whether br_netfilter hands frames of `bridge` to the ip hooks of the packet's family: the
    /// `bridge-nf-call-*` sysctl or the bridge's own `nf_call_*` option. Nil when the model cannot
    /// tell; the text says which setting decided.
    private func bridgeCallsIPHooks(_ bridge: String) -> (Bool?, String) {
        let v4 = packet.family == .ipv4
        let key = v4 ? "net.bridge.bridge-nf-call-iptables" : "net.bridge.bridge-nf-call-ip6tables"
        let hooks = v4 ? "ip" : "ip6"
        let global = v4 ? host.sysctls.bridgeCallsIptables : host.sysctls.bridgeCallsIp6tables
        let own = host.link(named: bridge)?.bridge.flatMap { v4 ? $0.nfCallIptables : $0.nfCallIp6tables }
        if global == true { return (true, "\(key) = 1: br_netfilter runs the \(hooks) hooks for frames bridged by \(bridge)") }
        if own == true { return (true, "\(bridge) has its own nf_call_\(v4 ? "iptables" : "ip6tables") on: br_netfilter runs the \(hooks) hooks for its frames") }
        if global == false { return (false, "\(key) = 0: the \(hooks) hooks do not see frames bridged by \(bridge)") }
        if host.coverage.sysctls != .notCollected {
            return (false, "\(key) does not exist (br_netfilter not loaded): the \(hooks) hooks do not see frames bridged by \(bridge)")
        }
        return (nil, "\(key) was not recorded: whether the \(hooks) hooks see frames bridged by \(bridge) is unknown")
    }

    mutating func planLocallyGenerated() {
        guard var routed = route() else { return }
        leave(by: routed)
        guard walk(routedLayer(.output)) else { return }
        if let again = rerouted {
            note("\(again.by) changed the packet's mark or addresses: routed again with them as they were there")
            guard let newRoute = route(as: again.packet) else { return }
            routed = newRoute
            leave(by: routed)
        }
        guard walk(routedLayer(.postrouting)), case .local = routed else { return }
        packet.inInterface = "lo"
        packet.outInterface = nil
        packet.natIsBound = true
        walk(routedLayer(.prerouting, .input))
    }

    /// Sets the egress of a locally generated packet; local destinations leave through `lo`.
    private mutating func leave(by routed: RoutedTo) {
        switch routed {
        case .local:
            packet.outInterface = "lo"
            egress = nil
        case .egress(let device):
            packet.outInterface = device
            egress = device
        }
    }

    /// Records where a packet that got through leaves, and with which addresses after NAT.
    mutating func finish() {
        guard path.fate == .accepted else { return }
        path.egressInterface = egress
        path.destinationAfterNAT = packet.destinationIsUnknown ? nil : packet.destination
        path.sourceAfterNAT = packet.sourceIsUnknown ? nil : packet.source
    }

    /// Where masquerade takes its address from for the route the packet took last.
    private var masqueradeSource: MasqueradeSource {
        var nextHop: IPAddress?
        if case .forward(_, let hop, _)? = path.routing.last?.outcome { nextHop = hop }
        return MasqueradeSource(host: host, nextHop: nextHop)
    }

    /// Where routing sends the packet next: to the host itself or out of a device.
    private enum RoutedTo {
        case local
        case egress(device: String?)
    }

    /// Routes the packet as it is now and records the decision; nil (with the fate set) when routing
    /// cannot be decided or does not deliver the packet.
    private mutating func route(as snapshot: PacketProbe? = nil) -> RoutedTo? {
        let packet = snapshot ?? self.packet
        if case .redirect = path.firewall.translatedDestination {
            note("redirected to the host itself: delivered locally")
            return .local
        }
        if packet.destinationIsUnknown {
            return stop(.unknown, "destination NAT to an address the model cannot name: the routed destination is unknown")
        }
        let request = RoutingRequest(source: packet.source, destination: packet.destination,
                                     inputInterface: packet.inInterface,
                                     mark: packet.mark.map { UInt32(truncatingIfNeeded: $0) })
        let decision = decideRoute(request, on: host)
        path.routing.append(decision)
        path.stages.append(.routing(decision))
        switch decision.outcome {
        case .local: return .local
        case .forward(let device, _, _): return .egress(device: device)
        // The routing stage already shows why: the reason goes to the evidence only.
        case .dropped(let reason, _): return stop(.dropped, "routing: \(reason)", asStage: false)
        case .noRoute: return stop(.dropped, "routing: no route to \(packet.destination)", asStage: false)
        case .unknown(let reason): return stop(.unknown, "routing: \(reason)", asStage: false)
        }
    }

    /// Whether the kernel forwards packets of this family at all, by `net.ipv4.ip_forward` or
    /// `net.ipv6.conf.all.forwarding`; sets the fate when it does not or the setting is unknown.
    private mutating func forwardingAllowed() -> Bool {
        let (key, value) = packet.family == .ipv4
            ? ("net.ipv4.ip_forward", host.sysctls.ipv4Forwarding)
            : ("net.ipv6.conf.all.forwarding", host.sysctls.ipv6ForwardingAll)
        switch value {
        case true?: return true
        case false?: stop(.dropped, "\(key) = 0: the host does not forward")
        case nil: stop(.unknown, "\(key) was not recorded: forwarding unknown")
        }
        return false
    }

    /// The source check routing makes on a received IPv4 packet (`fib_validate_source`). With `rp_filter`
    /// (the larger of `all` and the in-device's) at 1 (strict) the route back to the source, looked up as
    /// from the host, must leave by the in-device; at 2 (loose) any unicast route back will do; a source
    /// routed locally (one of the host's own), by a blackhole, unreachable or prohibit route, or not at
    /// all is a martian and dropped. At 0 only the host's own addresses are refused as sources. A DHCP
    /// client's 0.0.0.0 to a broadcast is not checked.
    private mutating func sourceValid() -> Bool {
        guard packet.family == .ipv4, let device = packet.inInterface, !packet.source.isUnspecified else { return true }
        let rpFilter = host.sysctls.rpFilter(link: device) ?? (host.coverage.sysctls == .notCollected ? nil : 0)
        guard let rpFilter else {
            stop(.unknown, "net.ipv4.conf.\(device).rp_filter was not recorded: whether the source \(packet.source) passes is unknown")
            return false
        }
        guard rpFilter != 0 else {
            guard host.coverage.links != .notCollected, host.addresses.contains(where: { $0.address == packet.source }) else { return true }
            stop(.dropped, "martian source: \(packet.source) is the host's own address")
            return false
        }
        let mode = rpFilter == 1 ? "strict" : "loose"
        let back = decideRoute(RoutingRequest(source: packet.destination, destination: packet.source, inputInterface: nil), on: host)
        let reason: String
        switch back.outcome {
        case .forward(let out, _, _) where rpFilter != 1 || out == device: return true
        case .forward(let out, _, _): reason = "the route back to \(packet.source) leaves by \(out ?? "another device"), not \(device)"
        case .local: reason = "\(packet.source) is routed locally (the host's own)"
        case .dropped(let why, _): reason = "the route back to \(packet.source) is \(why)"
        case .noRoute: reason = "there is no route back to \(packet.source)"
        case .unknown(let why):
            stop(.unknown, "rp_filter \(rpFilter) on \(device): the route back to \(packet.source) is unknown: \(why)")
            return false
        }
        stop(.dropped, "rp_filter \(rpFilter) (\(mode)) on \(device): \(reason); dropped as a martian source")
        return false
    }

    /// Whether the frame was sent to the host's MAC: `ip_forward` drops a broadcast or multicast frame
    /// (a DNAT to a unicast address does not change that). Unknown when the addresses were not read.
    private mutating func addressedToHost(_ arrivedAs: String?) -> Bool {
        switch arrivedAs {
        case "host"?: return true
        case let type?:
            stop(.dropped, "a \(type) frame is never forwarded (ip_forward takes only frames sent to the host's MAC)")
        case nil:
            stop(.unknown, "whether \(packet.destination) arrived as a broadcast is unknown: the host's addresses were not read")
        }
        return false
    }

    /// Whether a forwarded packet has a hop left: `ip_forward`/`ip6_forward` drop one whose TTL or hop
    /// limit is 1 or less before FORWARD (and answer time exceeded). An unknown TTL is taken to have room.
    private mutating func hopsRemain() -> Bool {
        guard let ttl = packet.ttl, ttl <= 1 else { return true }
        stop(.dropped, "\(packet.family == .ipv4 ? "TTL" : "hop limit") \(ttl) expires in forwarding: the kernel drops it before FORWARD and answers time exceeded")
        return false
    }

    /// Walks the firewall over `visits` (bridge ones only when there are bridge tables), carrying the
    /// packet on; true when it got through.
    @discardableResult
    private mutating func walk(_ visits: [HookVisit]) -> Bool {
        let visits = visits.filter { $0.layer == .routed || hasBridgeTables }
        let result = evaluate(packet, visits: visits, firewall: host.firewall, addressTypes: addressTypes,
                              masqueradeSource: masqueradeSource)
        // A bridge-layer visit with no chain says nothing (the routed visit of that hook follows).
        for (visit, steps) in visitsMet(visits, result) where visit.layer == .routed || !steps.isEmpty {
            path.hooks.append(visit.hook)
            path.stages.append(.hook(visit.hook, steps))
        }
        path.firewall.steps += result.steps
        path.firewall.translatedSource = result.translatedSource ?? path.firewall.translatedSource
        path.firewall.translatedDestination = result.translatedDestination ?? path.firewall.translatedDestination
        path.firewall.unknownBecause += result.unknownBecause
        rerouted = result.reroutedPacket.map { ($0, result.reroutedBy ?? "a chain") }
        path.firewall.fate = result.fate
        path.fate = result.fate
        guard result.fate == .accepted, let carried = result.packet else { return false }
        packet = carried
        path.firewall.packet = carried
        return true
    }

    /// The visits the packet made with the chains each ran: all of them, or up to the one whose chain
    /// stopped it.
    private func visitsMet(_ visits: [HookVisit], _ result: PathResult) -> [(HookVisit, [PathStep])] {
        var steps = result.steps[...]
        var met: [(HookVisit, [PathStep])] = []
        for visit in visits {
            let ran = steps.prefix { visit.ran($0, family: packet.family) }
            steps = steps.dropFirst(ran.count)
            met.append((visit, Array(ran)))
            if result.fate != .accepted && steps.isEmpty && !ran.isEmpty { break }
        }
        return met
    }

    @discardableResult
    private mutating func stop(_ fate: PacketFate, _ evidence: String, asStage: Bool = true) -> RoutedTo? {
        path.fate = fate
        if asStage { note(evidence) } else { path.evidence.append(evidence) }
        return nil
    }

    private mutating func note(_ text: String) {
        path.evidence.append(text)
        path.stages.append(.note(text))
    }
}
