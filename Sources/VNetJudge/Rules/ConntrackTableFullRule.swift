import VNetModel

/// VNA-016: the conntrack table full (new connections dropped) or above 90 % of its limit (field notes
/// cause 33). Host-wide: every network's new connections share the table.
struct ConntrackTableFullRule: CatalogueRule {
    let id = "VNA-016"

    /// Above this share of the limit the table is reported as nearly full.
    static let nearlyFull = 0.9

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        let sysctls = scope.host.sysctls
        let (countKey, maxKey) = ("net.netfilter.nf_conntrack_count", "net.netfilter.nf_conntrack_max")
        guard let count = sysctls.int(countKey), let max = sysctls.int(maxKey) else {
            if scope.host.coverage.sysctls == .notCollected {
                return [RuleOutcome(network: nil, status: .inconclusive, message: "The sysctls were not read: how full the conntrack table is, is unknown.",
                                    evidence: [.notCollected("sysctls")])]
            }
            return [RuleOutcome(network: nil, status: .pass,
                                message: "Connection tracking is not loaded (no \(countKey)): there is no table to fill.",
                                evidence: [.state("\(countKey) absent", source: "sysctl \(countKey)")])]
        }
        let evidence = [Evidence.state("\(count) of \(max) conntrack entries in use", source: "sysctl \(countKey), \(maxKey)",
                                       value: "\(count)/\(max)")]
        // A limit of 0 means no limit (the kernel skips the check).
        guard max > 0 else {
            return [RuleOutcome(network: nil, status: .pass, message: "\(maxKey) is 0: the conntrack table has no limit.", evidence: evidence)]
        }
        let share = Double(count) / Double(max)
        let percent = Int((share * 100).rounded(.down))
        let placeholders = ["suggested_max": String(Self.suggestedMax(count: count, max: max))]
        if count >= max {
            return [RuleOutcome(network: nil, status: .fail,
                                message: "The conntrack table is full (\(count) of \(max) entries): the kernel drops the first packet of every new connection, guests' included.",
                                evidence: evidence, placeholders: placeholders)]
        }
        if share >= Self.nearlyFull {
            return [RuleOutcome(network: nil, status: .warn,
                                message: "The conntrack table is \(percent) % full (\(count) of \(max) entries): new connections are dropped once it fills.",
                                evidence: evidence, placeholders: placeholders)]
        }
        return [RuleOutcome(network: nil, status: .pass,
                            message: "The conntrack table holds \(count) of \(max) entries (\(percent) %).", evidence: evidence)]
    }

    /// Twice the larger of the limit and the count, so that the table has room to grow.
    static func suggestedMax(count: Int, max: Int) -> Int {
        let base = Swift.max(count, max)
        return base > Int.max / 2 ? Int.max : base * 2
    }
}
