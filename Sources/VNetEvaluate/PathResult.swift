import VNetModel

/// The packet's walk through the hooks: its fate, every base chain it met, and the NAT it got.
public struct PathResult: Sendable, Hashable {
    public var fate: PacketFate
    public var steps: [PathStep]
    /// Source NAT decided for the connection (masquerade, snat), nil when none.
    public var translatedSource: Translation?
    /// Destination NAT decided for the connection (dnat, redirect), nil when none.
    public var translatedDestination: Translation?
    /// Texts of the rules (or reasons) the fate could not be decided past; empty unless `fate` is unknown.
    public var unknownBecause: [String]
    /// The packet as the last hook left it (marks set, destination translated), so a caller can route it
    /// or walk further hooks; nil when the walk stopped before the end.
    public var packet: PacketProbe?
    /// The packet as it was the last time a chain at OUTPUT made the kernel route it again: a route chain
    /// (or mangle OUTPUT) that changed its mark or addresses, or a DNAT there. Nil when none did.
    public var reroutedPacket: PacketProbe?
    /// The chain that made the kernel route the packet again, as `family table chain`.
    public var reroutedBy: String?

    public init(fate: PacketFate, steps: [PathStep] = [], translatedSource: Translation? = nil,
                translatedDestination: Translation? = nil, unknownBecause: [String] = []) {
        self.fate = fate
        self.steps = steps
        self.translatedSource = translatedSource
        self.translatedDestination = translatedDestination
        self.unknownBecause = unknownBecause
    }
}

/// One base chain the packet met: where it is registered, which rules decided something, how it ended.
public struct PathStep: Sendable, Hashable {
    public var system: RuleSystem
    public var family: TableFamily
    public var table: String
    public var chain: String
    public var hook: Hook
    public var priority: Int
    public var hits: [RuleHit]
    public var outcome: ChainOutcome
}

/// A rule that did something to the packet: a verdict, a jump, a mark, or a match the evaluator could
/// not decide (`action` nil: either the fate is unknown because of it, or both ways gave the same fate).
public struct RuleHit: Sendable, Hashable {
    /// The chain holding the rule (a regular chain when reached by jump or goto).
    public var chain: String
    public var position: Int
    public var handle: UInt64?
    public var text: String
    public var action: Action?
}

/// How the walk of one base chain ended.
public enum ChainOutcome: Sendable, Hashable {
    case accepted
    case dropped
    case rejected(with: String?)
    /// The end of the base chain, or a return from it: its policy decided.
    case policy(BaseChain.Policy)
    /// A nat chain bound the connection's translation (terminal for that chain, the packet goes on).
    case translated(Translation)
    /// Not traversed, and why (nat chains for packets of an existing connection).
    case skipped(reason: String)
    /// Undecidable; the reason names the rule.
    case unknown(reason: String)
}

/// A NAT binding a nat chain decided for the connection.
public enum Translation: Sendable, Hashable {
    /// To the address of the egress interface (`outInterface`).
    case masquerade(outInterface: String?, ports: PortRange?)
    case snat(addresses: AddressRange?, ports: PortRange?)
    case dnat(addresses: AddressRange?, ports: PortRange?)
    /// To the address of the ingress interface (local delivery).
    case redirect(ports: PortRange?)
}
