import Foundation
import VNetModel

/// The result of `vnetaudit check`: per network its mode, verdict and checks, plus host-level findings.
/// Its JSON form is a documented, versioned schema (schemas/check-report.schema.json, docs/check.md).
public struct AuditReport: Codable, Sendable, Equatable {
    /// Bumped on any incompatible change of the JSON shape.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var tool: Tool
    public var host: HostSummary
    public var generatedAt: Date
    /// The worst verdict of all networks and host findings.
    public var verdict: CheckStatus
    public var summary: Summary
    public var networks: [NetworkReport]
    /// Findings about no single network (a rule set mixing backends, a sysctl for the whole host...).
    public var hostFindings: [Finding]
    /// Set when the run ended early (Ctrl-C); what was judged until then is still reported.
    public var interrupted: Bool
    /// The traffic judged, when there was any (`--capture`, `--pcap`, a snapshot's captures).
    public var capture: CaptureSection?
    /// The host state judged, so a later `vnetaudit diff` can say which rules or settings changed; nil in
    /// reports made without it (older reports, assembled reports); a diff then compares verdicts only.
    public var state: HostState?

    public struct Tool: Codable, Sendable, Hashable {
        public var name: String
        public var version: String
        public init(name: String = "vnetaudit", version: String) {
            self.name = name
            self.version = version
        }
    }

    /// Which host was judged, from what, and what parts of its state were read.
    public struct HostSummary: Codable, Sendable, Equatable {
        public var hostname: String
        public var kernelRelease: String?
        public var collectedAt: Date
        /// `live`, `snapshot DIR`, `files` (bare rule-set files).
        public var source: String
        public var coverage: Coverage
        /// The firewall backend libvirt is configured to use, when known.
        public var libvirtFirewallBackend: FirewallBackend?
    }

    /// Counts of networks by verdict and of checks by status.
    public struct Summary: Codable, Sendable, Hashable {
        public var networks: [CheckStatus: Int]
        public var checks: [CheckStatus: Int]

        public init(networks: [NetworkReport], hostFindings: [Finding]) {
            self.networks = Self.count(networks.map(\.verdict))
            self.checks = Self.count(networks.flatMap(\.checks).map(\.status) + hostFindings.map(\.status))
        }

        /// Every status with its count, zeros included.
        private static func count(_ statuses: [CheckStatus]) -> [CheckStatus: Int] {
            Dictionary(uniqueKeysWithValues: CheckStatus.allCases.map { status in (status, statuses.filter { $0 == status }.count) })
        }

        // Keys as status names ("fail": 2), not an array of pairs.
        enum CodingKeys: String, CodingKey { case networks, checks }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            networks = try Self.decodeCounts(c.decode([String: Int].self, forKey: .networks))
            checks = try Self.decodeCounts(c.decode([String: Int].self, forKey: .checks))
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(Self.encodeCounts(networks), forKey: .networks)
            try c.encode(Self.encodeCounts(checks), forKey: .checks)
        }
        private static func encodeCounts(_ counts: [CheckStatus: Int]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: CheckStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
        }
        private static func decodeCounts(_ raw: [String: Int]) throws -> [CheckStatus: Int] {
            var counts: [CheckStatus: Int] = [:]
            for (key, value) in raw {
                guard let status = CheckStatus(rawValue: key) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown status \(key)"))
                }
                counts[status] = value
            }
            return counts
        }
    }

    public init(tool: Tool, host: HostSummary, generatedAt: Date, networks: [NetworkReport],
                hostFindings: [Finding], interrupted: Bool = false) {
        schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        self.host = host
        self.generatedAt = Date(timeIntervalSince1970: generatedAt.timeIntervalSince1970.rounded(.down))
        self.networks = networks
        self.hostFindings = hostFindings
        self.interrupted = interrupted
        verdict = CheckStatus.worst(networks.map(\.verdict) + hostFindings.map(\.status))
        summary = Summary(networks: networks, hostFindings: hostFindings)
    }
}

/// One libvirt network's judgement.
public struct NetworkReport: Codable, Sendable, Hashable {
    public var name: String
    public var mode: ForwardMode
    public var active: Bool
    public var bridge: String?
    public var subnets: [String]
    /// `forward dev` of the network, when it names one.
    public var forwardDevice: String?
    /// The worst status of its checks.
    public var verdict: CheckStatus
    /// Claims first, then catalogue rules; each kind ordered worst first, then by id.
    public var checks: [Finding]

    public init(network: LibvirtNetwork, checks: [Finding]) {
        name = network.name
        mode = network.mode
        active = network.active
        bridge = network.bridge?.name
        subnets = network.subnets.map(\.description)
        forwardDevice = network.forward.dev
        self.checks = checks.sorted(by: Self.reportOrder)
        verdict = CheckStatus.worst(checks.map(\.status))
    }

    static func reportOrder(_ a: Finding, _ b: Finding) -> Bool {
        if a.kind != b.kind { return a.kind == .claim }
        if a.status != b.status { return a.status > b.status }
        if a.id != b.id { return a.id < b.id }
        return (a.family?.rawValue ?? "") < (b.family?.rawValue ?? "")
    }
}

extension AuditReport {
    /// Judges every network of `scope` by its claims and by `rules`, and gathers the findings.
    /// - Parameter rules: catalogue findings, already scoped to a network or to the host.
    /// - Parameter extraHostFindings: host-level findings from elsewhere (traffic judgement).
    public static func assemble(scope: AuditScope, claims: (LibvirtNetwork) -> [Finding], rules: [ScopedFinding],
                                extraHostFindings: [Finding] = [],
                                source: String, version: String, generatedAt: Date = Date()) -> AuditReport {
        let networks = scope.networks.map { network in
            NetworkReport(network: network,
                          checks: claims(network) + rules.filter { $0.network == network.name }.map(\.finding))
        }
        var hostFindings = rules.filter { $0.network == nil }.map(\.finding)
        hostFindings += coverageFindings(scope) + extraHostFindings
        let host = scope.host
        return AuditReport(
            tool: Tool(version: version),
            host: HostSummary(hostname: host.hostname, kernelRelease: host.kernelRelease, collectedAt: host.collectedAt,
                              source: source, coverage: host.coverage,
                              libvirtFirewallBackend: host.libvirt.configuredFirewallBackend),
            generatedAt: generatedAt, networks: networks,
            hostFindings: hostFindings.sorted(by: NetworkReport.reportOrder))
    }

    /// What the audit could not look at: no libvirt state means no network was judged, which is
    /// inconclusive, never a clean bill of health.
    static func coverageFindings(_ scope: AuditScope) -> [Finding] {
        guard scope.host.coverage.libvirt == .notCollected else { return [] }
        return [Finding(
            id: "audit.libvirt-not-read", kind: .claim, title: "libvirt networks were read",
            status: .inconclusive,
            message: "The libvirt network definitions were not part of the input, so no network's claims could be judged.",
            evidence: [.notCollected("libvirt")],
            remediation: Remediation("Audit the live host as root, or a snapshot made with `vnetaudit snapshot`.",
                                     commands: ["vnetaudit snapshot --output /tmp/host-snapshot",
                                                "vnetaudit check --snapshot /tmp/host-snapshot"]))]
    }

    /// The process exit code for this report: 1 when a check failed, 3 when none failed but one stayed
    /// inconclusive, 0 otherwise (warnings do not change it). 2 (could not run) is decided by the caller.
    public var exitCode: Int32 {
        switch verdict {
        case .fail: return 1
        case .inconclusive: return 3
        case .pass, .warn: return 0
        }
    }
}
