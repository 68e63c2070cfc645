import VNetModel

/// Walks one base chain for one packet: rules in order, jump (return comes back), goto (return goes to
/// the caller of the chain that did the goto), return from the base chain = policy. Updates the packet's
/// mark and, in nat chains, its destination.
struct ChainWalker {
    let index: TableIndex
    var table: FirewallTable { index.table }
    let hook: Hook
    private(set) var probe: PacketProbe
    /// How undecidable rules are taken in this walk (see `UndecidedRule`).
    let assumptions: [UndecidedRule: Bool]
    let addressTypes: AddressTypes?
    /// Whether the chain runs before conntrack gave the packet an entry: only there can `notrack` act.
    let beforeConntrack: Bool
    private(set) var hits: [RuleHit] = []
    /// The undecidable rule the walk stopped at, when no assumption covered it.
    private(set) var undecided: UndecidedRule?

    /// nft refuses deeper jump stacks (NFT_JUMP_STACK_SIZE is 16); x_tables refuses loops. Past this
    /// the model is inconsistent and the walk gives up.
    private static let maxDepth = 64

    init(table: TableIndex, hook: Hook, probe: PacketProbe, assumptions: [UndecidedRule: Bool],
         addressTypes: AddressTypes?, beforeConntrack: Bool = false) {
        index = table
        self.hook = hook
        self.probe = probe
        self.assumptions = assumptions
        self.addressTypes = addressTypes
        self.beforeConntrack = beforeConntrack
    }

    private var matcher: MatchEvaluator {
        MatchEvaluator(table: table, probe: probe, hook: hook, addressTypes: addressTypes)
    }

    /// What one rule does to the walk.
    private enum Effect {
        case next
        case jump(String)
        case goto(String)
        case `return`
        case end(ChainOutcome)
    }

    /// Walks the chain at `position` of the table. In a chain with a `RuleIndex` the walk visits only
    /// the rules that may match the packet as it is on entering the chain; the others would be "next".
    mutating func walk(chainAt position: Int, policy: BaseChain.Policy) -> ChainOutcome {
        var stack = [enter(position)]
        while var frame = stack.popLast() {
            guard let offset = frame.nextRule() else { continue }  // end of a regular chain: return
            let chain = table.chains[frame.position]
            let rule = chain.rules[offset]
            stack.append(frame)
            let target: String
            switch effect(of: rule, in: chain.name) {
            case .next: continue
            case .return:
                stack.removeLast()
                continue
            case .end(let outcome): return outcome
            case .jump(let name): target = name
            case .goto(let name):
                stack.removeLast()
                target = name
            }
            guard let next = index.position(of: target), table.chains[next].base == nil else {
                return unknown(rule, in: chain.name, "its target chain \(target) is missing or a base chain")
            }
            guard stack.count < Self.maxDepth else { return unknown(rule, in: chain.name, "jumps too deep") }
            stack.append(enter(next))
        }
        return .policy(policy)
    }

    /// One chain being walked: which rule comes next.
    private struct Frame {
        let position: Int
        let ruleCount: Int
        /// The offsets of the rules to visit, when the chain is indexed; else every rule in turn.
        let candidates: [Int]?
        var next = 0

        mutating func nextRule() -> Int? {
            let limit = candidates?.count ?? ruleCount
            guard next < limit else { return nil }
            defer { next += 1 }
            return candidates?[next] ?? next
        }
    }

    /// A frame at the head of the chain at `position`, its candidates taken for the packet as it enters.
    /// That is exact: the only field a rule changes without ending the walk is the mark, which is never
    /// a guard (`RuleIndex`).
    private func enter(_ position: Int) -> Frame {
        Frame(position: position, ruleCount: table.chains[position].rules.count,
              candidates: index.ruleIndex(at: position)?.candidates(for: matcher))
    }

    /// Evaluates the rule's elements in order: matches narrow, statements act only when all matches so far
    /// hold, the first flow-changing action decides. A flow change behind an undecidable match follows the
    /// walk's assumption about the rule, or stops the walk as unknown when there is none.
    private mutating func effect(of rule: FirewallRule, in chain: String) -> Effect {
        let matcher = self.matcher
        var holds = ThreeValued.yes
        for element in rule.elements {
            switch element {
            case .match(let match):
                holds = holds && matcher.evaluate(match)
                if holds == .no { return .next }
            case .unknown(let element) where !element.mayAffectVerdict && Self.copiesMarks.contains(element.name):
                forgetMarks(copiedBy: element.name)
            case .unknown(let element) where element.mayAffectVerdict:
                guard element.kind == "match" || element.kind == "expression" else {
                    return .end(unknown(rule, in: chain, "its \(element.name) cannot be evaluated"))
                }
                holds = .unknown
            case .unknown:
                continue
            case .action(.setMark(let value, let mask)):
                probe.mark = Self.marked(probe.mark, value: value, mask: mask, when: holds)
                record(rule, in: chain, .setMark(value: value, mask: mask))
            case .action(.setCtMark(let value, let mask)):
                // Before conntrack there is no connection to mark: the kernel does nothing.
                guard !beforeConntrack else { continue }
                probe.conntrackMark = Self.marked(probe.conntrackMark, value: value, mask: mask, when: holds)
                record(rule, in: chain, .setCtMark(value: value, mask: mask))
            case .action(.statement(let name, _)) where Self.copiesMarks.contains(name):
                forgetMarks(copiedBy: name)
            case .action(.notrack) where beforeConntrack && probe.conntrack != .untracked:
                switch applies(rule, in: chain, when: holds) {
                case true?: untrack(rule, in: chain)
                case false?: return .next
                case nil: return .end(unknown(rule, in: chain, "its matches cannot be decided, and so whether the packet is tracked"))
                }
            case .action(let action):
                guard action.changesFlow else { continue }
                switch applies(rule, in: chain, when: holds) {
                case true?: return flowEffect(of: action, rule: rule, in: chain)
                case false?: return .next
                case nil: return .end(unknown(rule, in: chain, "its matches cannot be decided"))
                }
            }
        }
        return .next
    }

    /// Whether an action behind matches that `holds` acts: decided, or as the walk assumes about the
    /// rule; nil (the rule noted as the one to try both ways) when it is undecidable and not assumed.
    private mutating func applies(_ rule: FirewallRule, in chain: String, when holds: ThreeValued) -> Bool? {
        guard holds == .unknown else { return true }
        let key = UndecidedRule(system: table.system, family: table.family, table: table.name,
                                chain: chain, position: rule.position)
        switch assumptions[key] {
        case true?: return true
        case false?:
            record(rule, in: chain, nil)
            return false
        case nil:
            undecided = key
            return nil
        }
    }

    /// `notrack` / `-j CT --notrack` before conntrack: the packet gets no conntrack entry, so it is
    /// `untracked` to every later match and meets no nat chain.
    private mutating func untrack(_ rule: FirewallRule, in chain: String) {
        probe.conntrack = .untracked
        probe.untrackedByRule = true
        record(rule, in: chain, .notrack)
    }

    /// The effect of an action that changes the walk (statements such as counter or log do not).
    private mutating func flowEffect(of action: Action, rule: FirewallRule, in chain: String) -> Effect {
        switch action {
        case .counter, .log, .statement, .notrack, .setCtMark, .setMark, .continue: return .next
        case .verdictMap(let key, let entries, let namedMap):
            return verdictMapEffect(key: key, entries: entries, namedMap: namedMap, rule: rule, in: chain)
        default: break
        }
        record(rule, in: chain, action)
        switch action {
        case .accept: return .end(.accepted)
        case .drop: return .end(.dropped)
        case .reject(let with): return .end(.rejected(with: with))
        case .return: return .return
        case .jump(let name): return .jump(name)
        case .goto(let name): return .goto(name)
        case .masquerade(let ports, let flags):
            forgetSourcePortIfRandom(flags)
            return .end(.translated(.masquerade(outInterface: probe.outInterface, ports: ports)))
        case .snat(let addresses, let ports, let flags):
            forgetSourcePortIfRandom(flags)
            return .end(.translated(.snat(addresses: addresses, ports: ports)))
        case .dnat(let addresses, let ports, _):
            redirectDestination(to: addresses, ports: ports)
            return .end(.translated(.dnat(addresses: addresses, ports: ports)))
        case .redirect(let ports, _):
            let address = redirectAddress
            redirectDestination(to: address.map { AddressRange(low: $0, high: $0) }, ports: ports)
            return .end(.translated(.redirect(ports: ports)))
        default:
            return .end(unknown(rule, in: chain, "its verdict \(action) is not modelled"))
        }
    }

    /// `KEY vmap { ... }` / `KEY vmap @map`: the verdict of the entry holding the packet's key. A miss
    /// breaks the rule (next rule); a key the evaluator cannot read, or an undecidable entry before the
    /// hit, is unknown.
    private mutating func verdictMapEffect(key: [MatchField], entries: [VerdictMapEntry], namedMap: String?,
                                           rule: FirewallRule, in chain: String) -> Effect {
        let mapEntries: [VerdictMapEntry]
        if let namedMap {
            guard let map = table.set(namedMap) else { return .end(unknown(rule, in: chain, "map @\(namedMap) is missing")) }
            mapEntries = map.elements.compactMap { element in element.verdict.map { VerdictMapEntry(key: element.key, verdict: $0) } }
        } else {
            mapEntries = entries
        }
        guard key.count == 1, let field = key.first else {
            return .end(unknown(rule, in: chain, "its concatenated map key is not evaluated"))
        }
        let matcher = self.matcher
        let packet: PacketField
        switch matcher.lookup(field) {
        case .absent: return .next
        case .unknown: return .end(unknown(rule, in: chain, "its map key \(field) is unknown"))
        case .value(let value): packet = value
        }
        for entry in mapEntries {
            switch matcher.contains(entry.key, packet) {
            case .no: continue
            case .unknown: return .end(unknown(rule, in: chain, "a map key cannot be compared"))
            case .yes: return flowEffect(of: entry.verdict, rule: rule, in: chain)
            }
        }
        return .next
    }

    /// `meta mark set` / `MARK --set-xmark value/mask`, and the same on the connection (`ct mark set`,
    /// `CONNMARK --set-xmark`): clears the mask bits, then xors the value in (a plain set when there is no
    /// mask). Behind an undecidable match the mark becomes unknown.
    private static func marked(_ current: UInt64?, value: UInt64, mask: UInt64?, when holds: ThreeValued) -> UInt64? {
        guard holds == .yes else { return nil }
        guard let mask else { return value }
        return current.map { ($0 & ~mask) ^ value }
    }

    /// `random`, `fully-random` (`--random`, `--random-fully`): the kernel picks a new source port even
    /// when the packet's own would fit.
    private mutating func forgetSourcePortIfRandom(_ flags: [String]) {
        if flags.contains(where: { $0.hasPrefix("random") || $0 == "fully-random" }) { probe.sourcePort = nil }
    }

    /// Statements that copy a mark from another value (`meta mark set ct mark`, `ct mark set meta mark`,
    /// `CONNMARK --save-mark/--restore-mark`, `MARK` forms the decoder keeps whole): what they set is not
    /// followed, so the marks they may change are unknown from then on.
    private static let copiesMarks: Set<String> = ["meta mark set", "ct mark set", "CONNMARK", "MARK"]

    private mutating func forgetMarks(copiedBy name: String) {
        switch name {
        case "meta mark set", "MARK": probe.mark = nil
        case "ct mark set": probe.conntrackMark = nil
        default:
            probe.mark = nil
            probe.conntrackMark = nil
        }
    }

    /// Later hooks see the translated destination: a single address (or port) is applied, a range or a
    /// redirect to the host's own address makes later destination matches unknown.
    /// Where `redirect` sends an IPv4 packet (`nf_nat_redirect_ipv4`): 127.0.0.1 for one the host sends,
    /// else the first address of its in-device. Nil (unknown) for IPv6 and when the addresses were not read.
    private var redirectAddress: IPAddress? {
        guard probe.family == .ipv4 else { return nil }
        if hook == .output { return IPAddress(ipv4: 0x7F00_0001) }
        guard let device = probe.inInterface, let types = addressTypes, types.addressesKnown else { return nil }
        return types.host.addresses.first { $0.linkName == device && $0.family == .ipv4 }?.address
    }

    private mutating func redirectDestination(to addresses: AddressRange?, ports: PortRange?) {
        if let addresses, addresses.low == addresses.high {
            probe.destination = addresses.low
        } else {
            probe.destinationIsUnknown = true
        }
        if let ports {
            probe.destinationPort = ports.low == ports.high ? UInt16(exactly: ports.low) : nil
        }
    }

    private mutating func record(_ rule: FirewallRule, in chain: String, _ action: Action?) {
        hits.append(RuleHit(chain: chain, position: rule.position, handle: rule.handle, text: rule.text, action: action))
    }

    private mutating func unknown(_ rule: FirewallRule, in chain: String, _ why: String) -> ChainOutcome {
        record(rule, in: chain, nil)
        return .unknown(reason: "\(rule.text): \(why)")
    }
}

private extension Action {
    /// Whether the action can change where the walk goes; the others are statements that let it go on.
    var changesFlow: Bool {
        switch self {
        case .counter, .log, .statement, .notrack, .setCtMark, .setMark: return false
        default: return true
        }
    }
}
