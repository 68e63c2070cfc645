import Foundation
import VNetModel

extension FleetReport {
    /// Combines host reports into the fleet view. A host given twice (same hostname) counts once, by its
    /// newest report (the later one given when both are equally new); the others are listed as superseded.
    public static func merge(_ inputs: [FleetInput], version: String, generatedAt: Date = Date()) -> FleetReport {
        let (kept, superseded) = newestPerHost(inputs)
        let hosts = kept.map(host).sorted { a, b in
            a.verdict != b.verdict ? a.verdict > b.verdict : a.hostname < b.hostname
        }
        let networks = hosts.flatMap(\.networks)
        return FleetReport(
            schemaVersion: currentSchemaVersion, kind: "fleet", tool: AuditReport.Tool(version: version),
            generatedAt: Date(timeIntervalSince1970: generatedAt.timeIntervalSince1970.rounded(.down)),
            verdict: CheckStatus.worst(hosts.map(\.verdict)),
            totals: Totals(hosts: StatusCounts(hosts.map(\.verdict)), networks: StatusCounts(networks.map(\.verdict)),
                           checks: hosts.map(\.checkCounts).reduce(StatusCounts([]), +)),
            hosts: hosts, failingChecks: failingChecks(of: hosts), superseded: superseded)
    }

    /// The newest input of each hostname, in the order first given, and the reports they replace.
    private static func newestPerHost(_ inputs: [FleetInput]) -> (kept: [FleetInput], superseded: [SupersededReport]) {
        var newest: [String: Int] = [:]
        var order: [String] = []
        for (index, input) in inputs.enumerated() {
            let name = input.report.host.hostname
            guard let current = newest[name] else {
                newest[name] = index
                order.append(name)
                continue
            }
            if input.report.generatedAt >= inputs[current].report.generatedAt { newest[name] = index }
        }
        let kept = order.map { inputs[newest[$0]!] }
        let superseded = inputs.enumerated().compactMap { index, input -> SupersededReport? in
            let keeper = inputs[newest[input.report.host.hostname]!]
            guard newest[input.report.host.hostname] != index else { return nil }
            return SupersededReport(hostname: input.report.host.hostname, reportFile: input.file,
                                    generatedAt: input.report.generatedAt,
                                    keptReportFile: keeper.file, keptGeneratedAt: keeper.report.generatedAt)
        }
        return (kept, superseded)
    }

    private static func host(_ input: FleetInput) -> FleetHost {
        let report = input.report
        return FleetHost(
            hostname: report.host.hostname, kernelRelease: report.host.kernelRelease, source: report.host.source,
            generatedAt: report.generatedAt, toolVersion: report.tool.version,
            libvirtFirewallBackend: report.host.libvirtFirewallBackend, verdict: report.verdict,
            interrupted: report.interrupted, networkCounts: StatusCounts(report.summary.networks),
            checkCounts: StatusCounts(report.summary.checks), reportFile: input.file, htmlReportFile: input.htmlFile,
            networks: report.networks.map { network in
                FleetNetwork(name: network.name, mode: network.mode, active: network.active, bridge: network.bridge,
                             verdict: network.verdict, checkCounts: StatusCounts(network.checks.map(\.status)),
                             checks: network.checks.filter { $0.status != .pass }.map(FleetCheck.init))
            },
            hostChecks: report.hostFindings.filter { $0.status != .pass }.map(FleetCheck.init))
    }

    /// Every non-pass check grouped by id and address family, with each host and network it shows on.
    private static func failingChecks(of hosts: [FleetHost]) -> [FailingCheck] {
        struct Key: Hashable { var id: String; var family: AddressFamily? }
        var groups: [Key: FailingCheck] = [:]
        func add(_ check: FleetCheck, host: String, network: String?) {
            let key = Key(id: check.id, family: check.family)
            let site = FailingCheck.Site(host: host, network: network, status: check.status, message: check.message)
            groups[key, default: FailingCheck(id: check.id, family: check.family, kind: check.kind, title: check.title,
                                              worst: check.status, sites: [])].sites.append(site)
        }
        for host in hosts {
            for check in host.hostChecks { add(check, host: host.hostname, network: nil) }
            for network in host.networks {
                for check in network.checks { add(check, host: host.hostname, network: network.name) }
            }
        }
        return groups.values.map { group in
            var group = group
            group.worst = CheckStatus.worst(group.sites.map(\.status))
            group.sites.sort { a, b in
                if a.status != b.status { return a.status > b.status }
                if a.host != b.host { return a.host < b.host }
                return (a.network ?? "") < (b.network ?? "")
            }
            return group
        }.sorted { a, b in
            if a.worst != b.worst { return a.worst > b.worst }
            if a.sites.count != b.sites.count { return a.sites.count > b.sites.count }
            if a.id != b.id { return a.id < b.id }
            return (a.family?.rawValue ?? "") < (b.family?.rawValue ?? "")
        }
    }
}
