import VNetEvaluate
import VNetModel

/// A rule that lets a network's traffic through, to be put ahead of whatever stops it.
struct OpeningRule {
    var inInterface: String?
    var outInterface: String?
    var source: IPPrefix?
    var destination: IPPrefix?
    /// `tcp` or `udp` with the destination port.
    var transport: (name: String, port: UInt16)?
    /// Only packets of existing connections (replies).
    var established = false

    var nft: String {
        var parts: [String] = []
        if let inInterface { parts.append("iifname \"\(inInterface)\"") }
        if let outInterface { parts.append("oifname \"\(outInterface)\"") }
        if let source { parts.append("\(source.family == .ipv4 ? "ip" : "ip6") saddr \(source)") }
        if let destination { parts.append("\(destination.family == .ipv4 ? "ip" : "ip6") daddr \(destination)") }
        if let transport { parts.append("\(transport.name) dport \(transport.port)") }
        if established { parts.append("ct state established,related") }
        return (parts + ["accept"]).joined(separator: " ")
    }

    var iptables: String {
        var parts: [String] = []
        if let inInterface { parts.append("-i \(inInterface)") }
        if let outInterface { parts.append("-o \(outInterface)") }
        if let source { parts.append("-s \(source)") }
        if let destination { parts.append("-d \(destination)") }
        if let transport { parts.append("-p \(transport.name) --dport \(transport.port)") }
        if established { parts.append("-m conntrack --ctstate RELATED,ESTABLISHED") }
        return (parts + ["-j ACCEPT"]).joined(separator: " ")
    }
}

/// Exact commands that change one table of the rule set, in the tool that owns it: `nft` for native
/// nf_tables, `iptables`/`ip6tables` (the nft variant) for tables iptables-nft made, the `-legacy`
/// tools for x_tables.
enum FirewallCommands {
    /// Inserts `rule` at the top of the base chain of `step`: an accept there ends that base chain only,
    /// which is all this chain's drop needs.
    static func insert(_ rule: OpeningRule, aheadOf step: PathStep) -> String {
        if let tool = iptablesTool(step.system, step.family, step.table, step.chain) {
            return "\(tool) -t \(step.table) -I \(step.chain) \(rule.iptables)"
        }
        return "nft insert rule \(step.family.rawValue) \(step.table) \(step.chain) \(rule.nft)"
    }

    /// Deletes the rule `hit` of the table of `step`; nil when the rule has no handle to name it by.
    static func delete(_ hit: RuleHit, of step: PathStep) -> String? {
        if step.system == .xtables, let tool = iptablesTool(step.system, step.family, step.table, step.chain) {
            return "\(tool) -t \(step.table) -D \(hit.chain) \(hit.position)"
        }
        guard let handle = hit.handle else { return nil }
        return "nft delete rule \(step.family.rawValue) \(step.table) \(hit.chain) handle \(handle)"
    }

    /// True for the tables and chains libvirt itself creates (either backend).
    static func isLibvirts(_ step: PathStep, chain: String? = nil) -> Bool {
        step.table == "libvirt_network" || (chain ?? step.chain).hasPrefix("LIBVIRT_")
    }

    private static let iptablesTables: Set<String> = ["filter", "nat", "mangle", "raw", "security"]
    private static let iptablesChains: Set<String> = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]

    /// The iptables tool for a table iptables made (legacy, or iptables-nft's compatible tables); nil for
    /// a native nft table.
    private static func iptablesTool(_ system: RuleSystem, _ family: TableFamily, _ table: String, _ chain: String) -> String? {
        guard family == .ip || family == .ip6 else { return nil }
        let base = family == .ip ? "iptables" : "ip6tables"
        if system == .xtables { return "\(base)-legacy" }
        return iptablesTables.contains(table) && iptablesChains.contains(chain) ? base : nil
    }
}
