import VNetModel

/// Per table: where it lives, its size, its base chains (hook, priority, policy) and how much of it
/// the decoders could not understand.
struct FirewallSection {
    let host: HostState
    let style: TextStyle

    func lines() -> [String] {
        let firewall = host.firewall
        var out = [style.bold("firewall") + " (\(firewall.tables.count) tables, \(firewall.ruleCount) rules)"]
        let c = host.coverage
        let missing = [("nf_tables", c.nftables), ("legacy IPv4", c.legacyIPv4), ("legacy IPv6", c.legacyIPv6)]
            .filter { $0.1 == .notCollected }.map(\.0)
        if !missing.isEmpty { out.append("  " + style.warn("not collected: " + missing.joined(separator: ", "))) }
        if firewall.tables.isEmpty { out.append("  no tables") }
        for table in firewall.tables {
            out += self.table(table)
        }
        return out
    }

    private func table(_ t: FirewallTable) -> [String] {
        let rules = t.chains.reduce(0) { $0 + $1.rules.count }
        let unknown = t.chains.reduce(0) { sum, chain in
            sum + chain.rules.reduce(0) { $0 + $1.elements.filter(\.isUnknown).count }
        }
        var summary = "\(t.chains.count) chain\(t.chains.count == 1 ? "" : "s"), \(rules) rule\(rules == 1 ? "" : "s")"
        if !t.sets.isEmpty { summary += ", \(t.sets.count) set\(t.sets.count == 1 ? "" : "s")" }
        if unknown > 0 { summary += ", " + style.warn("\(unknown) unknown element\(unknown == 1 ? "" : "s")") }
        var out = ["  \(t.system.rawValue) \(t.family.rawValue) " + style.bold(t.name) + "  " + summary]
        for chain in t.chains {
            guard let base = chain.base else { continue }
            let policy = base.policy == .drop ? style.bad("drop") : "accept"
            var text = "    \(chain.name): \(base.type.rawValue) hook \(base.hook.rawValue) priority \(base.priority) policy \(policy)"
            if !base.devices.isEmpty { text += " devices " + base.devices.joined(separator: ",") }
            text += ", \(chain.rules.count) rule\(chain.rules.count == 1 ? "" : "s")"
            out.append(text)
        }
        return out
    }
}

extension RuleElement {
    var isUnknown: Bool {
        if case .unknown = self { return true }
        return false
    }
}
