import VNetEvaluate
import VNetModel

/// VNA-017: a policy routing rule that is not one of the kernel's own (a VPN's `ip rule`) routes a
/// network's guest traffic differently from the main table: out of another device, or into a
/// blackhole, unreachable or prohibit (field notes cause 21). Walks a guest's packet to an outside
/// address with the host's rules and with the kernel's default rules only, and compares.
struct PolicyRoutingDivertsRule: CatalogueRule {
    let id = "VNA-017"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).flatMap { network in
            network.families.compactMap { judge(network, $0, scope.host) }
        }
    }

    /// An address outside every lab and host subnet (TEST-NET-1, 2001:db8:ffff::1): where "the Internet" is.
    private func outside(_ family: AddressFamily) -> IPAddress {
        family == .ipv4 ? IPAddress(ipv4: 0xC000_0201) : IPAddress(ipv6High: 0x2001_0db8_ffff_0000, low: 1)
    }

    private func judge(_ network: LibvirtNetwork, _ family: AddressFamily, _ host: HostState) -> RuleOutcome? {
        guard let bridge = network.bridgeName, let ip = network.ips(family).first, let subnet = ip.prefix else { return nil }
        guard host.coverage.routes != .notCollected else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "The routes and policy rules were not read: where guests of network '\(network.name)' are routed is unknown.",
                               family: family, evidence: [.notCollected("routes")])
        }
        let request = RoutingRequest(source: ip.guestAddress, destination: outside(family), inputInterface: bridge)
        let decision = decideRoute(request, on: host)
        var kernelRulesOnly = host
        kernelRulesOnly.policyRules.removeAll { !$0.isKernelDefault }
        let main = decideRoute(request, on: kernelRulesOnly)
        let packet = "\(request.source) -> \(request.destination) in \(bridge)"
        let evidence = [Evidence.state("\(family.label) guest packet \(packet): \(decision.steps.joined(separator: "; "))",
                                       source: "ip \(family == .ipv6 ? "-6 " : "")rule, ip route show table all")]
        if case .unknown(let reason) = decision.outcome {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "Where policy routing sends guests of network '\(network.name)' is undecided: \(reason).",
                               family: family, evidence: evidence)
        }
        guard let rule = decision.decidingRule, !rule.isKernelDefault, decision.outcome.egress != main.outcome.egress else {
            return RuleOutcome(network: network.name, status: .pass,
                               message: "\(family.label) guests of network '\(network.name)' are routed as the main table routes them (\(decision.outcome.summary)).",
                               family: family, evidence: evidence)
        }
        let placeholders = ["family_flag": family == .ipv6 ? "-6 " : "", "subnet": subnet.description,
                            "priority": String(max(rule.priority - 1, 1)), "destination": request.destination.description,
                            "guest": request.source.description, "bridge": bridge]
        let ruleText = "rule \(rule.priority) (\(rule.action)\(rule.table.map { " table \($0)" } ?? ""))"
        let status: CheckStatus
        switch decision.outcome {
        case .dropped: status = .fail
        case .forward, .local, .noRoute, .unknown: status = .warn
        }
        return RuleOutcome(network: network.name, status: status,
                           message: "Policy routing \(ruleText) sends \(family.label) guest traffic of network '\(network.name)' \(decision.outcome.summary) instead of \(main.outcome.summary) as the main table would.",
                           family: family, evidence: evidence, placeholders: placeholders)
    }
}

private extension RoutingDecision.Outcome {
    /// Where the packet goes, for comparing two decisions: the egress device, the host, or nowhere.
    var egress: String {
        switch self {
        case .forward(let device, _, _): return "out of \(device ?? "an unnamed device")"
        case .local: return "to the host"
        case .dropped, .noRoute: return "nowhere"
        case .unknown: return "unknown"
        }
    }

    var summary: String {
        switch self {
        case .forward(let device, let hop, _): return "out of \(device ?? "an unnamed device") via \(hop)"
        case .local: return "to the host itself"
        case .dropped(let reason, _): return "into \(reason)"
        case .noRoute: return "nowhere (no route)"
        case .unknown(let reason): return "somewhere undecided (\(reason))"
        }
    }
}
