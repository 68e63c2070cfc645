import VNetModel

/// Walks `probe` through `host` the way the kernel does. A packet from an interface meets the inet
/// ingress chains of its device and PREROUTING, then routing on its (possibly DNATed) destination, then
/// INPUT when local or FORWARD and POSTROUTING when forwarded — the latter only if the family's forwarding sysctl is on. A packet the host generates
/// (`inInterface` nil) is routed, meets OUTPUT, is routed again if OUTPUT changed its destination or
/// mark, then meets POSTROUTING; when it is for the host itself it comes back in through `lo` and meets
/// PREROUTING (without nat) and INPUT. Marks and translations carry from hook to hook.
public func planPath(_ probe: PacketProbe, on host: HostState) -> PacketPath {
    var planner = PathPlanner(host: host, packet: probe)
    if probe.inInterface == nil { planner.planLocallyGenerated() } else { planner.planReceived() }
    return planner.path
}

private struct PathPlanner {
    let host: HostState
    var packet: PacketProbe
    var path = PacketPath()

    init(host: HostState, packet: PacketProbe) {
        self.host = host
        self.packet = packet
    }

    mutating func planReceived() {
        guard walk([.ingress, .prerouting]), let routed = route() else { return }
        switch routed {
        case .local:
            packet.outInterface = nil
            walk([.input])
        case .egress(let device):
            guard forwardingAllowed() else { return }
            packet.outInterface = device
            walk([.forward, .postrouting])
        }
    }

    mutating func planLocallyGenerated() {
        guard var routed = route() else { return }
        leave(by: routed)
        let beforeOutput = packet
        guard walk([.output]) else { return }
        if packet.destination != beforeOutput.destination || packet.destinationIsUnknown != beforeOutput.destinationIsUnknown
            || packet.mark != beforeOutput.mark {
            note("OUTPUT changed the destination or mark: routed again")
            guard let rerouted = route() else { return }
            routed = rerouted
            leave(by: routed)
        }
        guard walk([.postrouting]), case .local = routed else { return }
        packet.inInterface = "lo"
        packet.outInterface = nil
        packet.natIsBound = true
        walk([.prerouting, .input])
    }

    /// Sets the egress of a locally generated packet; local destinations leave through `lo`.
    private mutating func leave(by routed: RoutedTo) {
        switch routed {
        case .local: packet.outInterface = "lo"
        case .egress(let device): packet.outInterface = device
        }
    }

    /// Where routing sends the packet next: to the host itself or out of a device.
    private enum RoutedTo {
        case local
        case egress(device: String?)
    }

    /// Routes the packet as it is now and records the decision; nil (with the fate set) when routing
    /// cannot be decided or does not deliver the packet.
    private mutating func route() -> RoutedTo? {
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
        case .dropped(let reason, _): return stop(.dropped, "routing: \(reason)")
        case .noRoute: return stop(.dropped, "routing: no route to \(packet.destination)")
        case .unknown(let reason): return stop(.unknown, "routing: \(reason)")
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

    /// Walks the firewall over `hooks`, carrying the packet on; true when it got through.
    @discardableResult
    private mutating func walk(_ hooks: [Hook]) -> Bool {
        let result = evaluate(packet, hooks: hooks, firewall: host.firewall)
        let met = hooksMet(hooks, result)
        path.hooks += met
        for hook in met { path.stages.append(.hook(hook, result.steps.filter { $0.hook == hook })) }
        path.firewall.steps += result.steps
        path.firewall.translatedSource = result.translatedSource ?? path.firewall.translatedSource
        path.firewall.translatedDestination = result.translatedDestination ?? path.firewall.translatedDestination
        path.firewall.unknownBecause += result.unknownBecause
        path.firewall.fate = result.fate
        path.fate = result.fate
        guard result.fate == .accepted, let carried = result.packet else { return false }
        packet = carried
        path.firewall.packet = carried
        return true
    }

    /// The hooks of `hooks` the packet reached: all of them, or up to the one whose chain stopped it.
    private func hooksMet(_ hooks: [Hook], _ result: PathResult) -> [Hook] {
        guard result.fate != .accepted, let last = result.steps.last?.hook,
              let end = hooks.firstIndex(of: last) else { return hooks }
        return Array(hooks[...end])
    }

    @discardableResult
    private mutating func stop(_ fate: PacketFate, _ evidence: String) -> RoutedTo? {
        path.fate = fate
        note(evidence)
        return nil
    }

    private mutating func note(_ text: String) {
        path.evidence.append(text)
        path.stages.append(.note(text))
    }
}
