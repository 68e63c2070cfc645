import VNetEvaluate
import VNetModel

/// One judged check: a mode claim of a network (`claim.nat.outbound-translated`) or a catalogue rule
/// (`VNA-001`), with what decided it and what to do about it.
public struct Finding: Codable, Sendable, Hashable {
    /// Stable id: a claim id or a catalogue rule id.
    public var id: String
    public var kind: Kind
    public var title: String
    public var status: CheckStatus
    /// Catalogue severity of the rule (claims: nil).
    public var severity: Severity?
    /// What was found, in one or two sentences naming the concrete objects (network, interface, rule).
    public var message: String
    /// The address family the check is about, nil when it is not about one.
    public var family: AddressFamily?
    public var evidence: [Evidence]
    /// What to change; nil for a pass with nothing to do.
    public var remediation: Remediation?

    public enum Kind: String, Codable, Sendable, Hashable { case claim, rule }

    public init(id: String, kind: Kind, title: String, status: CheckStatus, severity: Severity? = nil,
                message: String, family: AddressFamily? = nil, evidence: [Evidence] = [],
                remediation: Remediation? = nil) {
        self.id = id
        self.kind = kind
        self.title = title
        self.status = status
        self.severity = severity
        self.message = message
        self.family = family
        self.evidence = evidence
        self.remediation = remediation
    }
}

/// How bad a catalogue rule's failure is.
public enum Severity: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case info, low, medium, high, critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One piece of evidence behind a finding.
public struct Evidence: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable {
        /// A packet walked through the rule set (`path` holds the walk).
        case path
        /// A firewall rule or chain (`source` names table/chain/handle, `text` is the rule).
        case rule
        /// A fact of the host state: a sysctl, a link, a route, a listener, a libvirt setting.
        case state
        /// Packets seen on the wire: `file` is the pcap holding them, `source` the interfaces.
        case packets
    }

    public var kind: Kind
    /// One line a person reads: what this evidence shows.
    public var summary: String
    /// Where it comes from: `sysctl net.ipv4.ip_forward`, `ip filter FORWARD #3`, `link virbr0`...
    public var source: String?
    /// The rule text or the value, verbatim.
    public var text: String?
    /// For `path`: the packet's walk, as `explain` prints it.
    public var path: PathReport?
    /// For `packets`: the evidence pcap, relative to the report file (openable in Wireshark).
    public var file: String?

    public init(kind: Kind, summary: String, source: String? = nil, text: String? = nil, path: PathReport? = nil,
                file: String? = nil) {
        self.kind = kind
        self.summary = summary
        self.source = source
        self.text = text
        self.path = path
        self.file = file
    }

    /// Evidence from a packet walk: the summary plus the walk.
    public static func path(_ summary: String, _ report: PathReport) -> Evidence {
        Evidence(kind: .path, summary: summary, path: report)
    }

    /// Evidence from a fact of the host state.
    public static func state(_ summary: String, source: String, value: String? = nil) -> Evidence {
        Evidence(kind: .state, summary: summary, source: source, text: value)
    }

    /// A part of the host state that was not read: the reason a check stayed inconclusive.
    public static func notCollected(_ part: String) -> Evidence {
        .state("\(part) not read", source: "coverage.\(part)", value: "not-collected")
    }

    /// What a network's libvirt definition says (or lacks): the source is the network.
    public static func definition(_ network: LibvirtNetwork, _ summary: String) -> Evidence {
        .state(summary, source: "libvirt network \(network.name)", value: network.sourceFiles.first)
    }
}

/// What to do: a sentence and the exact commands, in order, with the host's real names filled in.
public struct Remediation: Codable, Sendable, Hashable {
    public var summary: String
    public var commands: [String]

    public init(_ summary: String, commands: [String] = []) {
        self.summary = summary
        self.commands = commands
    }
}
