import Testing
import VNetTestSupport
import VNetModel
@testable import VNetEvaluate

/// The rule indexes only leave out rules that do nothing to the packet: on random rule sets the
/// indexed walk gives exactly the plain walk's `PathResult` (fate, every step, hit and translation).
@Suite struct RuleIndexTests {
    @Test(arguments: 0..<40) func indexedWalkIsThePlainWalk(seed: UInt64) {
        var random = SplitMix64(state: seed &+ 0x9e37_79b9_7f4a_7c15)
        let firewall = RandomRuleSet.firewall(&random)
        let indexed = FirewallIndex(firewall)
        let plain = FirewallIndex(firewall, indexingRules: false)
        #expect(indexed.tables.contains { table in table.table.chains.indices.contains { table.ruleIndex(at: $0) != nil } })
        var fates: Set<PacketFate> = []
        for _ in 0..<60 {
            let probe = RandomRuleSet.probe(&random)
            let visits = RandomRuleSet.visits(&random)
            let fast = evaluate(probe, visits: visits, index: indexed, addressTypes: nil)
            let slow = evaluate(probe, visits: visits, index: plain, addressTypes: nil)
            #expect(fast == slow, "seed \(seed): \(probe) over \(visits.map(\.hook))")
            fates.insert(slow.fate)
        }
        // The rule sets are varied enough for the walks to end in different ways.
        #expect(fates.count >= 2)
    }

    @Test func longChainOfServiceRulesHasOneCandidatePerDestination() {
        let rules = (1...100).map { n in
            Build.rule(n, .match(Match(.ipDaddr, .eq, Build.prefix("10.96.0.\(n)/32"))),
                       .match(Match(.l4proto, .eq, .integer(6))), .action(.accept), text: "rule \(n)")
        }
        let table = TableIndex(Build.table("t", [Build.base("pre", .prerouting, rules)]), indexingRules: true)
        var probe = Build.guestOutbound()
        probe.destination = Build.address("10.96.0.42")
        let matcher = MatchEvaluator(table: table.table, probe: probe, hook: .prerouting, addressTypes: nil)
        #expect(table.ruleIndex(at: 0)?.candidates(for: matcher) == [41])
        probe.source = Build.address("fd00::1")
        probe.destination = Build.address("fd00::2")
        let v6 = MatchEvaluator(table: table.table, probe: probe, hook: .prerouting, addressTypes: nil)
        #expect(table.ruleIndex(at: 0)?.candidates(for: v6) == [])
    }

    @Test func ruleWithAStatementBeforeItsMatchesIsAlwaysACandidate() {
        var rules = (1...20).map { n in
            Build.rule(n, .match(Match(.iifname, .eq, .string("veth\(n)"))), .action(.drop), text: "rule \(n)")
        }
        rules[4] = Build.rule(5, .action(.setMark(value: 1, mask: nil)), .match(Match(.iifname, .eq, .string("veth5"))),
                              .action(.drop), text: "mark first")
        let table = TableIndex(Build.table("t", [Build.base("fwd", .forward, rules)]), indexingRules: true)
        let matcher = MatchEvaluator(table: table.table, probe: Build.guestOutbound(), hook: .forward, addressTypes: nil)
        #expect(table.ruleIndex(at: 0)?.candidates(for: matcher) == [4])
    }
}


/// Random rule sets over small value pools, so that packets often meet guards they pass, fail, or
/// cannot decide: prefixes of several lengths on both families, interface names and wildcards, ports
/// (and probes without them), marks set and matched, unknown matches, jumps, gotos, returns and NAT.
enum RandomRuleSet {
    static let v4 = ["10.0.0.1", "10.0.1.7", "10.1.0.1", "192.168.122.5", "93.184.216.34"]
    static let v6 = ["fd00::1", "fd00:1::7", "2001:db8::5"]
    static let names = ["virbr0", "eth0", "veth1", "veth2"]
    static let regularChains = ["sub0", "sub1", "sub2", "sub3"]

    static func firewall(_ random: inout SplitMix64) -> Firewall {
        let filter = FirewallTable(system: Bool.random(using: &random) ? .xtables : .nftables, family: .ip, name: "filter",
                                   chains: [chain("FORWARD", .forward, .filter, &random), chain("INPUT", .input, .filter, &random),
                                            chain("OUTPUT", .output, .filter, &random)] + regular(.filter, &random))
        let nat = FirewallTable(system: .nftables, family: .ip, name: "nat",
                                chains: [chain("PREROUTING", .prerouting, .nat, &random), chain("POSTROUTING", .postrouting, .nat, &random)]
                                    + regular(.nat, &random))
        let inet = FirewallTable(system: .nftables, family: .inet, name: "inet",
                                 chains: [chain("fwd", .forward, .filter, &random)] + regular(.filter, &random))
        return Firewall(tables: [filter, nat, inet])
    }

    static func probe(_ random: inout SplitMix64) -> PacketProbe {
        let six = Int.random(in: 0..<4, using: &random) == 0
        let pool = six ? v6 : v4
        let local = Int.random(in: 0..<5, using: &random) == 0
        let proto: UInt8 = [6, 17, 1].randomElement(using: &random)!
        return PacketProbe(inInterface: local ? nil : names.randomElement(using: &random),
                           outInterface: names.randomElement(using: &random),
                           source: Build.address(pool.randomElement(using: &random)!),
                           destination: Build.address(pool.randomElement(using: &random)!), l4Protocol: proto,
                           sourcePort: 40000, destinationPort: [80, 443, nil].randomElement(using: &random)!,
                           conntrack: [.new, .new, .established].randomElement(using: &random)!,
                           mark: [0, 1, nil].randomElement(using: &random)!)
    }

    static func visits(_ random: inout SplitMix64) -> [HookVisit] {
        let hooks: [[Hook]] = [[.prerouting, .forward, .postrouting], [.prerouting, .input], [.output, .postrouting]]
        return hooks.randomElement(using: &random)!.map { HookVisit(hook: $0, layer: .routed) }
    }

    /// Regular chains jump only to later ones, as the kernel refuses loops (a loop would also make the
    /// walk tree exponential).
    private static func regular(_ type: ChainType, _ random: inout SplitMix64) -> [FirewallChain] {
        regularChains.indices.map { index in
            FirewallChain(name: regularChains[index], rules: rules(type, targets: Array(regularChains[(index + 1)...]), &random))
        }
    }

    private static func chain(_ name: String, _ hook: Hook, _ type: ChainType, _ random: inout SplitMix64) -> FirewallChain {
        let priority = BaseChain.xtablesPriority(table: type == .nat ? "nat" : "filter", hook: hook) ?? 0
        return FirewallChain(name: name, base: BaseChain(type: type, hook: hook, priority: priority,
                                                         policy: Bool.random(using: &random) ? .accept : .drop),
                             rules: rules(type, targets: regularChains, &random))
    }

    private static func rules(_ type: ChainType, targets: [String], _ random: inout SplitMix64) -> [FirewallRule] {
        (1...Int.random(in: 16...40, using: &random)).map { position in
            var elements: [RuleElement] = []
            if Int.random(in: 0..<12, using: &random) == 0 { elements.append(.action(.setMark(value: 1, mask: nil))) }
            for _ in 0..<Int.random(in: 0...3, using: &random) { elements.append(matchElement(&random)) }
            elements.append(.action(action(type, targets: targets, &random)))
            return FirewallRule(position: position, elements: elements, text: "rule \(position)")
        }
    }

    private static func matchElement(_ random: inout SplitMix64) -> RuleElement {
        func prefix(_ pool: [String]) -> MatchValue {
            let address = Build.address(pool.randomElement(using: &random)!)
            let lengths = address.family == .ipv4 ? [8, 16, 24, 32] : [16, 32, 128]
            return .prefix(IPPrefix(address, length: lengths.randomElement(using: &random)!))
        }
        let op: MatchOp = Int.random(in: 0..<5, using: &random) == 0 ? .ne : .eq
        // One match in 40 cannot be decided (the walk then tries both ways).
        let pick = Int.random(in: 0..<40, using: &random)
        if pick == 0 {
            return .unknown(UnknownElement(kind: "match", name: "limit", text: "-m limit", mayAffectVerdict: true))
        }
        switch pick % 12 {
        case 0: return .match(Match(.ipSaddr, op, prefix(v4)))
        case 1: return .match(Match(.ipDaddr, op, prefix(v4)))
        case 2: return .match(Match(.ip6Saddr, op, prefix(v6)))
        case 3: return .match(Match(.ip6Daddr, op, prefix(v6)))
        case 4: return .match(Match(.iifname, op, .string(names.randomElement(using: &random)!)))
        case 5: return .match(Match(.oifname, op, .string(names.randomElement(using: &random)!)))
        case 6: return .match(Match(.iifname, op, .wildcard(prefix: "veth")))
        case 7: return .match(Match(.l4proto, op, .integer([6, 17].randomElement(using: &random)!)))
        case 8: return .match(Match(.tcpDport, op, .integer([80, 443].randomElement(using: &random)!)))
        case 9: return .match(Match(.mark, op, .integer([0, 1].randomElement(using: &random)!)))
        case 10: return .match(Match(.ctState, op, .flags(["established"])))
        default: return .match(Match(.ipSaddr, op, .string("not an address")))
        }
    }

    private static func action(_ type: ChainType, targets: [String], _ random: inout SplitMix64) -> Action {
        // The last chain jumps to one that does not exist (the walk stops as unknown).
        let target = targets.randomElement(using: &random) ?? "missing"
        let nat: [Action] = type == .nat
            ? [.dnat(addresses: AddressRange(low: Build.address("10.0.1.7"), high: Build.address("10.0.1.7")), ports: nil, flags: []),
               .dnat(addresses: AddressRange(low: Build.address("10.0.1.1"), high: Build.address("10.0.1.9")), ports: nil, flags: []),
               .masquerade(ports: nil, flags: [])]
            : [.accept, .drop, .reject(with: nil)]
        // Mostly statements, so that packets travel far into the chains; few jumps, so that the walks stay small.
        switch Int.random(in: 0..<20, using: &random) {
        case 0..<5: return nat.randomElement(using: &random)!
        case 5: return .jump(target)
        case 6: return .goto(target)
        case 7: return .return
        case 8..<12: return .setMark(value: 1, mask: nil)
        default: return .counter
        }
    }
}
