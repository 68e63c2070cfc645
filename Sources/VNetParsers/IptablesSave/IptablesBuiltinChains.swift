import VNetModel

/// The x_tables tables and their built-in chains, as the kernel registers them.
public enum IptablesBuiltinChains {
    /// Built-in chains of each table, in kernel hook order.
    public static let chainsByTable: [String: [String]] = [
        "filter": ["INPUT", "FORWARD", "OUTPUT"],
        "nat": ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        "mangle": ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        "raw": ["PREROUTING", "OUTPUT"],
        "security": ["INPUT", "FORWARD", "OUTPUT"],
    ]

    public static func hook(ofChain chain: String) -> Hook? {
        switch chain {
        case "PREROUTING": return .prerouting
        case "INPUT": return .input
        case "FORWARD": return .forward
        case "OUTPUT": return .output
        case "POSTROUTING": return .postrouting
        default: return nil
        }
    }

    /// The base-chain description of a built-in chain; nil when `chain` is not built into `table`.
    /// nat chains are nat type; mangle OUTPUT is a route chain (it reroutes on mark changes).
    public static func baseChain(table: String, chain: String, policy: BaseChain.Policy, counters: Counters?) -> BaseChain? {
        guard chainsByTable[table]?.contains(chain) == true, let hook = hook(ofChain: chain),
              let priority = BaseChain.xtablesPriority(table: table, hook: hook) else { return nil }
        let type: ChainType = table == "nat" ? .nat : (table == "mangle" && hook == .output ? .route : .filter)
        return BaseChain(type: type, hook: hook, priority: priority, policy: policy, policyCounters: counters)
    }

    public static func tableFamily(_ family: AddressFamily) -> TableFamily {
        family == .ipv4 ? .ip : .ip6
    }
}
