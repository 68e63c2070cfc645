import Foundation
import VNetModel
import VNetTestSupport

/// What the hypervisor looks like, taken with the system's own tools (tests only): used to prove
/// that vnetaudit's reading changed nothing.
struct HostFingerprint: Equatable {
    var parts: [String: String]

    static func take(_ lab: Lab) throws -> HostFingerprint {
        let commands: [String: [String]] = [
            "nft": ["nft", "-s", "list", "ruleset"],
            "iptables-legacy": ["iptables-legacy-save"],
            "ip6tables-legacy": ["ip6tables-legacy-save"],
            // Bridge and port timers (gc_timer, hold_timer...) tick by themselves: masked, all else compared.
            "links": ["sh", "-c", "ip -d link show | sed -E 's/(_timer) +[0-9.]+/\\1 -/g'"],
            "addresses": ["ip", "address", "show"],
            "routes4": ["ip", "-4", "route", "show", "table", "all"],
            "routes6": ["ip", "-6", "route", "show", "table", "all"],
            "rules": ["ip", "rule", "show"],
            "sysctls": ["sh", "-c", "sysctl -a 2>/dev/null | grep -E '^net\\.(ipv4\\.(ip_forward|conf)|ipv6\\.conf|bridge)' | grep -v -E 'stable_secret'"],
            "ip_tables_names": ["cat", "/proc/net/ip_tables_names"],
        ]
        var parts: [String: String] = [:]
        for (key, cmd) in commands {
            let out = try lab.hypervisorRun(cmd)
            // iptables-legacy-save prints a dated header line; drop comment lines.
            parts[key] = out.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
        }
        return HostFingerprint(parts: parts)
    }

    func difference(from other: HostFingerprint) -> String {
        parts.keys.sorted().filter { parts[$0] != other.parts[$0] }.joined(separator: ", ")
    }

    /// The model without what legitimately moves between two reads: time, packet counters and
    /// dnsmasq's lease count.
    static func comparable(_ host: HostState) -> HostState {
        var h = host
        h.collectedAt = Date(timeIntervalSince1970: 0)
        h.firewall.tables = h.firewall.tables.map { table in
            var t = table
            t.chains = t.chains.map { chain in
                var c = chain
                c.base?.policyCounters = nil
                c.rules = c.rules.map { r in
                    var rule = r
                    rule.counters = nil
                    return rule
                }
                return c
            }
            return t
        }
        h.libvirt.networks = h.libvirt.networks.map { n in
            var net = n
            net.dnsmasq?.leaseCount = nil
            return net
        }
        return h
    }
}

/// The table/chain/handle skeleton of `nft -j list ruleset`, parsed independently of vnetaudit's
/// decoders so it can serve as an oracle.
enum NftOracle {
    struct Table { var family: String; var name: String; var chains: [Chain] }
    struct Chain { var name: String; var hook: String?; var priority: Int?; var handles: [UInt64] }

    static func tables(fromJSON text: String) throws -> [Table] {
        let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let items = root?["nftables"] as? [[String: Any]] ?? []
        var tables: [Table] = []
        for item in items {
            if let t = item["table"] as? [String: Any], let family = t["family"] as? String, let name = t["name"] as? String {
                tables.append(Table(family: family, name: name, chains: []))
            } else if let c = item["chain"] as? [String: Any], let name = c["name"] as? String,
                      let table = c["table"] as? String, let family = c["family"] as? String,
                      let i = tables.firstIndex(where: { $0.name == table && $0.family == family }) {
                tables[i].chains.append(Chain(name: name, hook: c["hook"] as? String, priority: (c["prio"] as? NSNumber)?.intValue, handles: []))
            } else if let r = item["rule"] as? [String: Any], let chain = r["chain"] as? String,
                      let table = r["table"] as? String, let family = r["family"] as? String,
                      let handle = (r["handle"] as? NSNumber)?.uint64Value,
                      let i = tables.firstIndex(where: { $0.name == table && $0.family == family }),
                      let j = tables[i].chains.firstIndex(where: { $0.name == chain }) {
                tables[i].chains[j].handles.append(handle)
            }
        }
        return tables
    }
}
