import VNetEvaluate
import VNetModel

/// A packet walked through a fixed sequence of hooks with the evaluator, and what stopped it: the rules
/// that judge guest traffic at FORWARD or INPUT without depending on routing or sysctls (other rules
/// judge those).
struct FirewallWalk {
    let probe: PacketProbe
    let result: PathResult

    init(_ probe: PacketProbe, hooks: [Hook], on host: HostState) {
        self.probe = probe
        result = evaluate(probe, hooks: hooks, on: host)
    }

    /// The base chain whose drop, reject or drop policy stopped the packet; nil when it passed or the
    /// fate is unknown.
    var stoppedAt: PathStep? {
        guard result.fate == .dropped || result.fate == .rejected, let last = result.steps.last else { return nil }
        return last
    }

    /// The rule that stopped the packet in `stoppedAt`, nil when the chain's policy did.
    var stoppingRule: RuleHit? {
        guard let step = stoppedAt else { return nil }
        return step.hits.last { hit in
            switch hit.action {
            case .drop?, .reject?: return true
            default: return false
            }
        }
    }

    /// Whether libvirt's own rules stopped the packet (its nftables table or its LIBVIRT_* chains).
    var stoppedByLibvirt: Bool {
        guard let step = stoppedAt else { return false }
        return step.table == "libvirt_network" || (stoppingRule?.chain.hasPrefix("LIBVIRT_") ?? false)
    }

    /// `x_tables ip filter FORWARD` / `nf_tables inet filter input`: where the packet was stopped.
    var stopLocation: String {
        guard let step = stoppedAt else { return "" }
        let chain = stoppingRule.map { $0.chain == step.chain ? step.chain : "\(step.chain) -> \($0.chain)" } ?? step.chain
        return "\(step.system.rawValue) \(step.family.rawValue) \(step.table) \(chain)"
    }

    /// The stopping rule's text, or the chain's policy.
    var stopText: String {
        guard stoppedAt != nil else { return "" }
        guard let rule = stoppingRule else { return "policy drop" }
        return rule.handle.map { "handle \($0): \(rule.text)" } ?? "#\(rule.position): \(rule.text)"
    }

    /// What the stopping chain did, as a verb: `drops` or `rejects`.
    var verb: String { result.fate == .rejected ? "rejects" : "drops" }

    /// The packet in words: `udp 192.168.122.100:68 -> 192.168.122.1:67 in virbr0`.
    var packetText: String {
        func end(_ address: IPAddress, _ port: UInt16?) -> String {
            guard let port else { return address.description }
            return address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
        }
        let proto = probe.l4Protocol == 6 ? "tcp" : probe.l4Protocol == 17 ? "udp" : "proto \(probe.l4Protocol)"
        let ways = [probe.inInterface.map { "in \($0)" }, probe.outInterface.map { "out \($0)" }].compactMap { $0 }
        return "\(probe.conntrack.rawValue) \(proto) \(end(probe.source, probe.sourcePort)) -> "
            + "\(end(probe.destination, probe.destinationPort)) \(ways.joined(separator: " "))"
    }

    /// Evidence naming what stopped the packet (or the undecidable rules, or the chains it passed).
    var evidence: Evidence {
        switch result.fate {
        case .dropped, .rejected:
            return Evidence(kind: .rule, summary: "\(packetText): \(result.fate.rawValue) by \(stopLocation)",
                            source: stopLocation, text: stopText)
        case .unknown:
            return Evidence(kind: .rule, summary: "\(packetText): fate unknown", source: "evaluator",
                            text: result.unknownBecause.joined(separator: "; "))
        case .accepted:
            let chains = result.steps.map { "\($0.system.rawValue) \($0.family.rawValue) \($0.table) \($0.chain)" }
            return Evidence(kind: .rule, summary: "\(packetText): accepted", source: "evaluator",
                            text: chains.isEmpty ? "no base chain at these hooks" : "passed " + chains.joined(separator: ", "))
        }
    }
}

extension PathStep {
    /// Commands that accept `match` (iptables words, nft words) at the head of this step's base chain,
    /// in the syntax of the tool that owns the table.
    func insertCommands(iptables: [String], nft: [String]) -> [String] {
        let ipv6 = family == .ip6
        switch system {
        case .xtables:
            let tool = ipv6 ? "ip6tables-legacy" : "iptables-legacy"
            return iptables.enumerated().map { "\(tool) -t \(table) -I \(chain) \($0.offset + 1) \($0.element)" }
        case .nftables where chain == chain.uppercased():
            // An iptables-nft table: keep to the iptables tool so it can still read the table.
            let tool = ipv6 ? "ip6tables" : "iptables"
            return iptables.enumerated().map { "\(tool) -t \(table) -I \(chain) \($0.offset + 1) \($0.element)" }
        case .nftables:
            return nft.reversed().map { "nft insert rule \(family.rawValue) \(table) \(chain) \($0)" }
        }
    }
}
