import VNetModel
import VNetEvaluate

/// Small hand-built rule sets for the semantics tests.
enum Build {
    static func rule(_ position: Int, _ elements: RuleElement..., text: String) -> FirewallRule {
        FirewallRule(position: position, elements: elements, text: text)
    }

    static func base(_ name: String, _ hook: Hook, priority: Int = 0, policy: BaseChain.Policy = .accept,
                     type: ChainType = .filter, _ rules: [FirewallRule]) -> FirewallChain {
        FirewallChain(name: name, base: BaseChain(type: type, hook: hook, priority: priority, policy: policy), rules: rules)
    }

    static func table(_ name: String, system: RuleSystem = .nftables, family: TableFamily = .ip,
                      _ chains: [FirewallChain], sets: [NamedSet] = []) -> FirewallTable {
        FirewallTable(system: system, family: family, name: name, chains: chains, sets: sets)
    }

    static func address(_ text: String) -> IPAddress {
        guard let address = IPAddress(text) else { preconditionFailure("bad test address \(text)") }
        return address
    }

    static func prefix(_ text: String) -> MatchValue {
        guard let prefix = IPPrefix(text) else { preconditionFailure("bad test prefix \(text)") }
        return .prefix(prefix)
    }

    /// A new TCP connection from a guest on virbr0 to the internet through eth0.
    static func guestOutbound(dport: UInt16 = 443, conntrack: ConntrackState = .new) -> PacketProbe {
        PacketProbe(inInterface: "virbr0", outInterface: "eth0", source: address("192.168.122.11"),
                    destination: address("93.184.216.34"), l4Protocol: 6, sourcePort: 40000,
                    destinationPort: dport, conntrack: conntrack)
    }

    /// A new TCP connection from the outside through eth0 to a guest on virbr0.
    static func inboundToGuest(conntrack: ConntrackState = .new) -> PacketProbe {
        PacketProbe(inInterface: "eth0", outInterface: "virbr0", source: address("93.184.216.34"),
                    destination: address("192.168.122.11"), l4Protocol: 6, sourcePort: 443,
                    destinationPort: 22, conntrack: conntrack)
    }

    static let forwardedHooks: [Hook] = [.prerouting, .forward, .postrouting]

    static func fate(_ probe: PacketProbe, _ tables: FirewallTable...) -> PacketFate {
        evaluate(probe, hooks: forwardedHooks, firewall: Firewall(tables: tables)).fate
    }
}
