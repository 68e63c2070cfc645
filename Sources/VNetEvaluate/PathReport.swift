import VNetModel

/// The account of one packet's way through the host as plain `Codable` values: what `explain
/// --format json` prints and what a claim cites as evidence. Built from a `PacketPath`; nothing in it
/// needs the evaluator to be read.
public struct PathReport: Codable, Sendable, Hashable {
    /// The packet as asked about.
    public var packet: PacketSummary
    public var fate: PacketFate
    /// The rule or reason that decided the fate: the last rule hit of the chain that stopped the packet,
    /// a routing or sysctl reason, or nil when every hook let it through.
    public var decidedBy: String?
    /// Everything the packet met, in order.
    public var stages: [Stage]
    /// Source NAT bound on the way, in words (`masquerade to the address of eth0`), nil when none.
    public var sourceTranslation: String?
    /// Destination NAT bound on the way, in words, nil when none.
    public var destinationTranslation: String?
    /// Where it leaves the host: the egress interface, or nil for local delivery or a stopped packet.
    public var egressInterface: String?
    /// Rules or reasons the fate could not be decided past; empty unless the fate is unknown.
    public var unknownBecause: [String]
    /// The source address it leaves with after NAT, nil when it did not get through or the address
    /// cannot be named (masquerade to a device without a recorded address).
    public var sourceAfterNAT: String?
    /// The destination address after NAT, nil when it did not get through or cannot be named.
    public var destinationAfterNAT: String?

    public struct PacketSummary: Codable, Sendable, Hashable {
        /// The ingress interface, or nil for a packet the host generates.
        public var inInterface: String?
        public var source: String
        public var destination: String
        /// `tcp`, `udp`, `icmp`, `icmpv6`, or the number.
        public var proto: String
        public var sourcePort: Int?
        public var destinationPort: Int?
        public var icmpType: Int?
        public var state: ConntrackState
        /// `original`, or `reply` for a reply of an established or related connection.
        public var direction: ConntrackDirection
        /// For a bridged frame: the ports it enters and leaves the bridge by.
        public var bridgePortIn: String?
        public var bridgePortOut: String?
        /// Header values as given (absent: not given): TTL or hop limit, IP length, DSCP, TCP flags
        /// (sorted), the connection's mark.
        public var ttl: Int?
        public var length: Int?
        public var dscp: Int?
        public var tcpFlags: [String]?
        public var conntrackMark: UInt64?

        public init(_ probe: PacketProbe) {
            inInterface = probe.inInterface
            source = probe.source.description
            destination = probe.destination.description
            proto = protocolName(probe.l4Protocol)
            sourcePort = probe.sourcePort.map(Int.init)
            destinationPort = probe.destinationPort.map(Int.init)
            icmpType = probe.icmpType.map(Int.init)
            state = probe.conntrack
            direction = probe.direction
            bridgePortIn = probe.bridgePortIn
            bridgePortOut = probe.bridgePortOut
            ttl = probe.ttl.map(Int.init)
            length = probe.length.map(Int.init)
            dscp = probe.dscp.map(Int.init)
            tcpFlags = probe.tcpFlags?.sorted()
            conntrackMark = probe.conntrackMark
        }
    }

    /// One stage: a hook with the base chains that ran there, a routing decision, or a note.
    public struct Stage: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable { case hook, routing, note }
        public var kind: Kind
        /// For `hook`: the hook's name (`prerouting`, `forward`...).
        public var hook: String?
        /// For `hook`: each base chain in the order it ran.
        public var chains: [ChainReport]?
        /// For `routing`: the outcome in words (`forward via eth0 to 203.0.113.1`, `local`...).
        public var routing: String?
        /// For `routing`: rules tried, tables looked up, the route chosen. For `note`: the note.
        public var details: [String]?
    }

    /// One base chain the packet met.
    public struct ChainReport: Codable, Sendable, Hashable {
        /// `nf_tables` or `x_tables`.
        public var system: String
        public var family: String
        public var table: String
        public var chain: String
        public var priority: Int
        /// How the chain ended, in words (`accept`, `drop`, `policy accept`, `masquerade`...).
        public var outcome: String
        /// Rules that did something to the packet, in order.
        public var rules: [RuleReport]
    }

    /// One rule that did something: its chain, position, handle (nf_tables), text and action.
    public struct RuleReport: Codable, Sendable, Hashable {
        public var chain: String
        public var position: Int
        public var handle: UInt64?
        public var text: String
        /// What it did, or nil for a match the evaluator could not decide.
        public var action: String?
    }

    public init(_ path: PacketPath, probe: PacketProbe) {
        packet = PacketSummary(probe)
        fate = path.fate
        stages = path.stages.map(Stage.init)
        sourceTranslation = path.firewall.translatedSource.map(describe)
        destinationTranslation = path.firewall.translatedDestination.map(describe)
        egressInterface = path.egressInterface
        sourceAfterNAT = path.sourceAfterNAT?.description
        destinationAfterNAT = path.destinationAfterNAT?.description
        unknownBecause = path.firewall.unknownBecause + (path.fate == .unknown && path.firewall.fate != .unknown ? path.evidence : [])
        decidedBy = Self.decider(path)
    }

    /// The rule of the chain that stopped the packet (its policy when the walk fell off its end), or the
    /// routing/sysctl reason.
    private static func decider(_ path: PacketPath) -> String? {
        guard path.fate != .accepted else { return nil }
        if path.firewall.fate == path.fate, let step = path.firewall.steps.last {
            let where_ = "\(step.hook.rawValue) \(step.family.rawValue) \(step.table) \(step.chain)"
            if case .policy(let policy) = step.outcome {
                return "\(where_): policy \(policy.rawValue)"
            }
            if let hit = step.hits.last(where: { $0.action != nil }) ?? step.hits.last {
                return "\(where_): \(hit.handle.map { "handle \($0): " } ?? "#\(hit.position): ")\(hit.text)"
            }
            return "\(where_): \(describe(step.outcome))"
        }
        return path.evidence.last
    }
}

extension PathReport.Stage {
    init(_ stage: PathStage) {
        switch stage {
        case .hook(let hook, let steps):
            self.init(kind: .hook, hook: hook.rawValue, chains: steps.map(PathReport.ChainReport.init))
        case .routing(let decision):
            self.init(kind: .routing, routing: describe(decision.outcome), details: decision.steps)
        case .note(let text):
            self.init(kind: .note, details: [text])
        }
    }
}

extension PathReport.ChainReport {
    init(_ step: PathStep) {
        self.init(system: step.system.rawValue, family: step.family.rawValue, table: step.table,
                  chain: step.chain, priority: step.priority, outcome: describe(step.outcome),
                  rules: step.hits.map { hit in
                      PathReport.RuleReport(chain: hit.chain, position: hit.position, handle: hit.handle,
                                            text: hit.text, action: hit.action.map(describe))
                  })
    }
}

func protocolName(_ number: UInt8) -> String {
    switch number {
    case 6: return "tcp"
    case 17: return "udp"
    case 1: return "icmp"
    case 58: return "icmpv6"
    default: return String(number)
    }
}

func describe(_ outcome: ChainOutcome) -> String {
    switch outcome {
    case .accepted: return "accept"
    case .dropped: return "drop"
    case .rejected(let with): return with.map { "reject with \($0)" } ?? "reject"
    case .policy(let policy): return "end of chain: policy \(policy.rawValue)"
    case .translated(let translation): return describe(translation)
    case .skipped(let reason): return "skipped: \(reason)"
    case .unknown(let reason): return "unknown: \(reason)"
    }
}

func describe(_ translation: Translation) -> String {
    func ports(_ range: PortRange?) -> String {
        guard let range else { return "" }
        return range.low == range.high ? " port \(range.low)" : " ports \(range.low)-\(range.high)"
    }
    func addresses(_ range: AddressRange?) -> String {
        guard let range else { return "(unspecified)" }
        return range.low == range.high ? range.low.description : "\(range.low)-\(range.high)"
    }
    switch translation {
    case .masquerade(let out, let range):
        return "masquerade to the address of \(out ?? "the egress interface")\(ports(range))"
    case .snat(let range, let portRange): return "snat to \(addresses(range))\(ports(portRange))"
    case .dnat(let range, let portRange): return "dnat to \(addresses(range))\(ports(portRange))"
    case .redirect(let portRange): return "redirect to the host\(ports(portRange))"
    }
}

func describe(_ outcome: RoutingDecision.Outcome) -> String {
    switch outcome {
    case .local(let device): return "local delivery\(device.map { " (\($0))" } ?? "")"
    case .forward(let device, let nextHop, let route):
        let hops = route.nextHops.count > 1 ? route.nextHops.compactMap { $0.gateway?.description } : [nextHop.description]
        return "forward out of \(device ?? "?") to \(hops.joined(separator: " or "))"
    case .dropped(let reason, _): return "dropped: \(reason)"
    case .noRoute: return "no route"
    case .unknown(let reason): return "unknown: \(reason)"
    }
}

func describe(_ action: Action) -> String {
    switch action {
    case .accept: return "accept"
    case .drop: return "drop"
    case .reject(let with): return with.map { "reject with \($0)" } ?? "reject"
    case .return: return "return"
    case .jump(let chain): return "jump \(chain)"
    case .goto(let chain): return "goto \(chain)"
    case .continue: return "continue"
    case .queue(let number): return "queue\(number.map { " \($0)" } ?? "")"
    case .masquerade(let ports, _): return describe(Translation.masquerade(outInterface: nil, ports: ports))
    case .snat(let addresses, let ports, _): return describe(Translation.snat(addresses: addresses, ports: ports))
    case .dnat(let addresses, let ports, _): return describe(Translation.dnat(addresses: addresses, ports: ports))
    case .redirect(let ports, _): return describe(Translation.redirect(ports: ports))
    case .verdictMap(let key, _, let named): return "vmap on \(key.map(\.rawValue).joined(separator: " . "))\(named.map { " @\($0)" } ?? "")"
    case .counter: return "counter"
    case .log(let prefix): return prefix.map { "log prefix \"\($0)\"" } ?? "log"
    case .setMark(let value, _): return "set mark \(value)"
    case .setCtMark(let value, _): return "set ct mark \(value)"
    case .notrack: return "notrack"
    case .statement(let name, let detail): return detail.isEmpty ? name : "\(name) \(detail)"
    }
}
