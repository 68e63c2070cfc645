import VNetModel

/// Walks `probe` through `hooks` in order (the caller's routing decision): at each hook every base chain
/// of every matching table of both rule systems, by priority. An accept ends only its base chain; a drop
/// or reject is final; nat chains run for new connections only and stop at the hook's first binding.
/// A rule it cannot decide is tried both ways; the fate is unknown only when the two walks differ.
public func evaluate(_ probe: PacketProbe, hooks: [Hook], firewall: Firewall) -> PathResult {
    evaluate(probe.startingPath, visits: hooks.map { HookVisit(hook: $0, layer: .routed) }, firewall: firewall, addressTypes: nil)
}

/// The same on `host`, without routing: `addrtype` is decided from the host's addresses and routes, and
/// a masqueraded source from its addresses (the next hop taken to be on link).
public func evaluate(_ probe: PacketProbe, hooks: [Hook], on host: HostState) -> PathResult {
    evaluate(probe.startingPath, visits: hooks.map { HookVisit(hook: $0, layer: .routed) }, firewall: host.firewall,
             addressTypes: AddressTypes(host: host), masqueradeSource: MasqueradeSource(host: host, nextHop: nil))
}

/// The same over explicit visits (bridge layers included), with the host's address types for `addrtype`
/// and where masquerade takes its address from (nil: a masqueraded source is unknown).
func evaluate(_ probe: PacketProbe, visits: [HookVisit], firewall: Firewall, addressTypes: AddressTypes?,
              masqueradeSource: MasqueradeSource? = nil) -> PathResult {
    evaluate(probe, visits: visits, index: FirewallIndex.of(firewall), addressTypes: addressTypes,
             masqueradeSource: masqueradeSource)
}

/// The same over a given index of the firewall (tests compare an index with rule indexes to one without).
func evaluate(_ probe: PacketProbe, visits: [HookVisit], index: FirewallIndex, addressTypes: AddressTypes?,
              masqueradeSource: MasqueradeSource? = nil) -> PathResult {
    let context = WalkContext(firewall: index, addressTypes: addressTypes, masqueradeSource: masqueradeSource)
    return explore(probe, visits: visits, context: context, assumptions: [:])
}

/// What every walk of one evaluation shares.
private struct WalkContext {
    let firewall: FirewallIndex
    let addressTypes: AddressTypes?
    let masqueradeSource: MasqueradeSource?
}

/// Undecidable rules tried both ways on one path, at most (2^8 walks).
private let maxAssumptions = 8

/// Walks the path; if it stops at an undecidable rule, walks it again with the rule assumed to match and
/// not to match. Agreeing walks give their answer, with the trace of the non-matching one (which lists
/// the rule as a hit without action); disagreeing ones leave the fate unknown, naming the rule.
private func explore(_ probe: PacketProbe, visits: [HookVisit], context: WalkContext,
                     assumptions: [UndecidedRule: Bool]) -> PathResult {
    let (result, undecided) = walk(probe, visits: visits, context: context, assumptions: assumptions)
    guard let undecided, assumptions.count < maxAssumptions else { return result }
    let matching = explore(probe, visits: visits, context: context, assumptions: assumptions.merging([undecided: true]) { $1 })
    let missing = explore(probe, visits: visits, context: context, assumptions: assumptions.merging([undecided: false]) { $1 })
    // A NAT binding, and the packet later hooks see (its mark, addresses, conntrack state), matter only
    // to a packet that gets through.
    let agree = matching.fate != .unknown && matching.fate == missing.fate
        && (matching.fate != .accepted || (matching.translatedSource == missing.translatedSource
                                           && matching.translatedDestination == missing.translatedDestination
                                           && matching.packet == missing.packet))
    return agree ? missing : result
}

/// One walk through the hooks under `assumptions`; also returns the undecidable rule it stopped at.
private func walk(_ probe: PacketProbe, visits: [HookVisit], context: WalkContext,
                  assumptions: [UndecidedRule: Bool]) -> (PathResult, UndecidedRule?) {
    var packet = probe
    var result = PathResult(fate: .accepted)
    for visit in visits {
        let hook = visit.hook
        var boundNATAtHook = false
        let device = hook == .egress ? packet.outInterface : packet.inInterface
        for registered in BaseChainOrder.chains(on: visit, family: probe.family, device: device, in: context.firewall) {
            if registered.base.type == .nat, let reason = natSkipReason(packet, alreadyBound: boundNATAtHook) {
                result.steps.append(step(registered, hook, hits: [], outcome: .skipped(reason: reason)))
                continue
            }
            let beforeConntrack = runsBeforeConntrack(registered.base.priority, on: visit, packet)
            var seen = packet
            // No conntrack entry yet: `ct state` is invalid unless a notrack made the packet untracked.
            if beforeConntrack && !packet.untrackedByRule { seen.conntrack = .invalid }
            var walker = ChainWalker(table: registered.tableIndex, hook: hook, probe: seen, assumptions: assumptions,
                                     addressTypes: context.addressTypes, beforeConntrack: beforeConntrack)
            let outcome = walker.walk(chainAt: registered.position, policy: registered.base.policy)
            let entered = packet
            packet = walker.probe
            if beforeConntrack && !packet.untrackedByRule { packet.conntrack = probe.conntrack }
            result.steps.append(step(registered, hook, hits: walker.hits, outcome: outcome))
            if routesAgain(after: registered, on: visit, outcome: outcome, entered: entered, left: packet) {
                result.reroutedPacket = packet
                result.reroutedBy = "\(registered.table.family.rawValue) \(registered.table.name) \(registered.chain.name)"
            }
            switch outcome {
            case .accepted, .policy(.accept), .skipped: continue
            case .translated(let translation):
                boundNATAtHook = true
                switch translation {
                case .masquerade, .snat:
                    result.translatedSource = translation
                    packet.boundNAT.insert("snat")
                    translateSource(&packet, by: translation, masqueradeSource: context.masqueradeSource)
                case .dnat, .redirect:
                    result.translatedDestination = translation
                    packet.boundNAT.insert("dnat")
                }
            case .dropped, .policy(.drop):
                result.fate = .dropped
                return (result, nil)
            case .rejected:
                result.fate = .rejected
                return (result, nil)
            case .unknown(let reason):
                result.fate = .unknown
                result.unknownBecause.append(reason)
                return (result, walker.undecided)
            }
        }
    }
    result.packet = packet
    return (result, nil)
}

/// Whether the kernel routes a locally generated packet again after this chain: at the exit of a route
/// chain (nft `type route`, x_tables mangle OUTPUT) that changed its mark or addresses
/// (`nf_route_table_hook4`, `ipt_mangle_out`), and at the NAT hook after a DNAT
/// (`nf_nat_ipv4_local_fn`), each time with the packet as it is then.
private func routesAgain(after registered: RegisteredChain, on visit: HookVisit, outcome: ChainOutcome,
                         entered: PacketProbe, left: PacketProbe) -> Bool {
    guard visit.hook == .output, visit.layer == .routed else { return false }
    switch outcome {
    case .translated(.dnat), .translated(.redirect): return true
    case .dropped, .rejected, .unknown, .policy(.drop): return false
    case .accepted, .policy(.accept), .skipped, .translated: break
    }
    guard registered.base.type == .route else { return false }
    return entered.mark != left.mark || entered.destination != left.destination || entered.source != left.source
        || entered.destinationIsUnknown != left.destinationIsUnknown || entered.sourceIsUnknown != left.sourceIsUnknown
}

/// Where conntrack attaches its entry (NF_IP_PRI_CONNTRACK, the same for IPv6): chains of the routed
/// layer at ingress, and at prerouting or output below this priority, run before the packet has one.
/// A chain at exactly -200 is taken to run after it (the kernel's registration order is not in the model).
let conntrackPriority = -200

/// Whether a chain at `priority` on `visit` sees the packet before conntrack gave it an entry. A packet
/// looping back through `lo` keeps the entry it got on the way out.
private func runsBeforeConntrack(_ priority: Int, on visit: HookVisit, _ packet: PacketProbe) -> Bool {
    guard visit.layer == .routed, !packet.natIsBound else { return false }
    switch visit.hook {
    case .ingress: return true
    case .prerouting, .output: return priority < conntrackPriority
    case .input, .forward, .postrouting, .egress: return false
    }
}

/// The source a source NAT gives the packet from then on: chains after it at the same hook see the new
/// source at once. A range, or a masquerade without an address to take, leaves the source unknown; the
/// source port is kept when it lies in the rule's port range (the kernel keeps a free port that fits),
/// else (or with random port selection) it is unknown.
private func translateSource(_ packet: inout PacketProbe, by translation: Translation, masqueradeSource: MasqueradeSource?) {
    let ports: PortRange?
    switch translation {
    case .snat(let addresses, let range):
        ports = range
        if let addresses, addresses.low == addresses.high {
            packet.source = addresses.low
        } else {
            packet.sourceIsUnknown = true
        }
    case .masquerade(let device, let range):
        ports = range
        if let device, let address = masqueradeSource?.address(leaving: device, to: packet.destination) {
            packet.source = address
        } else {
            packet.sourceIsUnknown = true
        }
    case .dnat, .redirect:
        return
    }
    if let ports, let port = packet.sourcePort, !(ports.low...ports.high).contains(Int(port)) {
        packet.sourcePort = nil
    }
}

/// Why a nat base chain does not see the packet, or nil when it does.
private func natSkipReason(_ packet: PacketProbe, alreadyBound: Bool) -> String? {
    if packet.conntrack == .untracked { return "an untracked packet (notrack) meets no nat chain" }
    if !packet.conntrack.traversesNATChains { return "nat chains see only the first packet of a connection" }
    if packet.natIsBound { return "the connection's NAT was bound when it left through lo" }
    if alreadyBound { return "an earlier nat chain at this hook already bound the translation" }
    return nil
}

private func step(_ registered: RegisteredChain, _ hook: Hook, hits: [RuleHit], outcome: ChainOutcome) -> PathStep {
    PathStep(system: registered.table.system, family: registered.table.family, table: registered.table.name,
             chain: registered.chain.name, hook: hook, priority: registered.base.priority, hits: hits,
             outcome: outcome)
}
