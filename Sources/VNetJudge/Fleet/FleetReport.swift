import Foundation
import VNetModel

/// The result of `vnetaudit merge`: many hosts' check reports combined into one view of a fleet: which hosts,
/// their networks and verdicts, and what fails where. Its JSON form is a versioned schema
/// (schemas/fleet-report.schema.json, docs/fleet.md). Only what is not a pass is carried over from the
/// host reports; the host reports themselves stay the evidence (`FleetHost.reportFile`).
public struct FleetReport: Codable, Sendable, Equatable {
    /// Bumped on any incompatible change of the JSON shape.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// Always `fleet`: tells a fleet report from a check report at a glance.
    public var kind: String
    public var tool: AuditReport.Tool
    public var generatedAt: Date
    /// The worst verdict of all hosts.
    public var verdict: CheckStatus
    public var totals: Totals
    /// One per host, worst verdict first, then by name.
    public var hosts: [FleetHost]
    /// Every check that is not a pass somewhere, with where: worst first, then most widespread, then by id.
    public var failingChecks: [FailingCheck]
    /// Reports left out because a newer report of the same host was given.
    public var superseded: [SupersededReport]

    /// Counts over the whole fleet.
    public struct Totals: Codable, Sendable, Hashable {
        public var hosts: StatusCounts
        public var networks: StatusCounts
        /// Network checks and host-level findings of every host.
        public var checks: StatusCounts
    }

    /// The process exit code, as for a single report: 1 when any host failed a check, 3 when none failed but
    /// one stayed inconclusive, 0 otherwise. 2 (could not run) is decided by the caller.
    public var exitCode: Int32 {
        switch verdict {
        case .fail: return 1
        case .inconclusive: return 3
        case .pass, .warn: return 0
        }
    }
}

/// One host of the fleet, as its newest report describes it.
public struct FleetHost: Codable, Sendable, Hashable {
    /// The host's identity in the fleet: two reports with the same hostname are the same host.
    public var hostname: String
    public var kernelRelease: String?
    /// Where its report's state came from (`live`, `live, network namespace NAME`, `snapshot DIR`, ...).
    public var source: String
    public var generatedAt: Date
    public var toolVersion: String
    public var libvirtFirewallBackend: FirewallBackend?
    public var verdict: CheckStatus
    /// The run ended early (Ctrl-C): the host was judged only partly.
    public var interrupted: Bool
    public var networkCounts: StatusCounts
    public var checkCounts: StatusCounts
    /// The check report this host came from, as given to `merge` (relative to the fleet report when it is
    /// written to a file); nil when it was not read from a file.
    public var reportFile: String?
    /// The host's own HTML report beside `reportFile` (same name, `.html`), when it existed at merge time.
    public var htmlReportFile: String?
    public var networks: [FleetNetwork]
    /// Host-level findings that are not a pass.
    public var hostChecks: [FleetCheck]
}

/// One network of one host: its verdict and the checks that are not a pass.
public struct FleetNetwork: Codable, Sendable, Hashable {
    public var name: String
    public var mode: ForwardMode
    public var active: Bool
    public var bridge: String?
    public var verdict: CheckStatus
    public var checkCounts: StatusCounts
    /// Checks that warn, stayed inconclusive or failed, in the host report's order.
    public var checks: [FleetCheck]
}

/// A check that did not pass, as the host report states it (evidence and remediation stay in that report).
public struct FleetCheck: Codable, Sendable, Hashable {
    public var id: String
    public var kind: Finding.Kind
    public var title: String
    public var status: CheckStatus
    public var severity: Severity?
    public var family: AddressFamily?
    public var message: String

    public init(_ finding: Finding) {
        id = finding.id
        kind = finding.kind
        title = finding.title
        status = finding.status
        severity = finding.severity
        family = finding.family
        message = finding.message
    }
}

/// What fails where: one check (id and address family) and every host and network where it did not pass.
public struct FailingCheck: Codable, Sendable, Hashable {
    public var id: String
    public var family: AddressFamily?
    public var kind: Finding.Kind
    public var title: String
    /// The worst status it has anywhere.
    public var worst: CheckStatus
    /// Worst first, then by host and network.
    public var sites: [Site]

    public struct Site: Codable, Sendable, Hashable {
        public var host: String
        /// nil: a host-level finding.
        public var network: String?
        public var status: CheckStatus
        public var message: String
    }
}

/// A report left out of the fleet because another report of the same host is newer.
public struct SupersededReport: Codable, Sendable, Hashable {
    public var hostname: String
    public var reportFile: String?
    public var generatedAt: Date
    /// The report kept instead.
    public var keptReportFile: String?
    public var keptGeneratedAt: Date
}
