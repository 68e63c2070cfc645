import ArgumentParser
import Foundation
import Logging
import VNetJudge
import VNetModel
import VNetReport
import VNetSnapshot
import VNetTraffic

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Judge every virtual network's mode claims and run the diagnostic catalogue.",
        discussion: """
            For each libvirt network (or each --network), walks the packets that test its mode's claims \
            through the host's routing and firewall (both backends, every table, in priority order) and \
            runs the catalogue of known causes of broken guest networking (`vnetaudit rules`). Live by \
            default (needs root), or --snapshot DIR.

            Outputs: the report goes to standard output in one --format (text by default), or to \
            --output FILE. Several --format options, or --output-dir DIR, write one report per format into \
            DIR (default ./reports) as HOST-YYYYMMDDTHHMMSSZ.EXT (UTC; -2, -3... when the name is taken), \
            evidence pcaps in the folder HOST-YYYYMMDDTHHMMSSZ/ beside them. Every file is written \
            atomically; one line per file written goes to standard error (not with --quiet). See docs/cli.md.

            Traffic: --capture DURATION also captures every audited bridge and uplink and judges the \
            packets (the report gets a capture section; evidence pcaps are written next to the report, \
            or under --evidence-dir, default ./reports, when the report goes to standard output). \
            Ctrl-C ends the capture early; the report is still written, marked interrupted. \
            --pcap IFACE=FILE judges saved captures the same way; a snapshot taken with \
            `snapshot --capture` is judged with its captures.

            Probes: --probe attaches a temporary port to each network's bridge (a veth into a private \
            namespace holding a free address of the network), sends ICMP, TCP and DNS to the uplinks' \
            gateways (or --probe-target), a DHCP discover and a DNS query to the host, captures it all \
            (5s unless --capture says longer) and judges the claims from the probe's own packets; \
            --probe-peer NETNS also opens connections to the probe from that namespace. What it creates is \
            printed first and removed on exit, on Ctrl-C and on errors; `vnetaudit probe --cleanup` \
            removes what a killed run left. Without --probe nothing is created.

            Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 could not run, \
            3 nothing failed but something stayed inconclusive; see docs/exit-codes.md.
            """
    )

    @OptionGroup var input: HostInputOptions
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var traffic: TrafficOptions
    @OptionGroup var probe: ProbeOptions

    @Option(name: .customLong("network"), help: ArgumentHelp("Judge only this network (repeatable).", valueName: "name"))
    var networks: [String] = []

    @OptionGroup var output: ReportOutputOptions

    @Option(help: ArgumentHelp("Compare with this saved report (or snapshot) too: the changes go to standard error after the report, the exit code is 1 when a check regressed, 0 otherwise (docs/diff.md).", valueName: "file"))
    var baseline: String?

    @Flag(name: .customLong("no-color"), help: "No ANSI colours (also when NO_COLOR is set or output is not a terminal).")
    var noColor = false

    func validate() throws {
        try traffic.validate(with: input)
        try probe.validate(with: input, traffic: traffic)
    }

    func run() throws {
        let logger = logging.makeLogger()
        let standardCatalogue = Catalogue.loadingStandard()
        let baselineReport = try baseline.map { try DiffSide.report(at: $0, catalogue: standardCatalogue) }
        let loaded = try HostLoader.load(input, logger: logger)
        let host = loaded.host
        let outputs = try ReportOutputs(output, hostname: host.hostname)
        defer { outputs.release() }
        let scope = try AuditScope(host: host, networks: selectedNetworks(of: host))
        let judgement = try StaticJudgement(scope: scope, catalogue: standardCatalogue.value)
        let observed = try observedTraffic(scope: scope, outputs: outputs, logger: logger)
        var report = judgement.report(
            source: input.sourceDescription, version: VNetAudit.version, extraFindings: { observed?.findings(of: $0) ?? [] },
            extraHostFindings: observed?.hostFindings ?? [])
        report.capture = observed?.section
        report.interrupted = observed?.interrupted ?? false
        try outputs.write(report, color: !noColor && Terminal.wantsColor, logger: logger)
        if let baseline, let baselineReport {
            let code = DiffSide.compare(baseline: baselineReport, label: baseline, with: report, nowLabel: output.output ?? "now")
            if code != 0 { throw ExitCode(code) }
            return
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    /// The judged traffic: of the probe ports (--probe), or of `trafficSource`; nil without any.
    private func observedTraffic(scope: AuditScope, outputs: ReportOutputs, logger: Logger) throws -> ObservedTraffic? {
        let evidence = outputs.evidenceLocation(chosen: traffic.evidenceDirectory)
        guard probe.enabled else {
            return try trafficSource(for: scope).map { try judgeTraffic($0, scope: scope, evidence: evidence, logger: logger) }
        }
        let probed = try ActiveProbe(options: probe, namespace: input.netns,
                                     seconds: traffic.capture?.seconds ?? ProbeOptions.defaultCaptureSeconds,
                                     showProgress: showProgress, logger: logger).run(scope: scope)
        return try judgeTraffic(probed.source, scope: scope, probes: probed.probes, evidence: evidence, logger: logger)
    }

    /// The live capture line on a terminal: for text reports, not with --quiet.
    private var showProgress: Bool { logging.progressWanted(textFormat: output.chosenFormats.contains(.text)) }

    /// The traffic to judge: a live capture, --pcap files, or a snapshot's captures; nil without any.
    private func trafficSource(for scope: AuditScope) throws -> TrafficSource? {
        if let duration = traffic.capture {
            return try TrafficSource.live(CapturePlan.targets(for: scope), seconds: duration.seconds, namespace: input.netns,
                                          showProgress: showProgress)
        }
        if !traffic.pcaps.isEmpty {
            return TrafficSource.files(traffic.pcaps)
        }
        if let bundle = input.snapshot {
            do {
                return try SnapshotCaptures.source(of: try SnapshotBundle.read(from: URL(fileURLWithPath: bundle)), bundle: bundle)
            } catch let error as SnapshotError {
                throw VNetAuditFailure("\(error)")
            }
        }
        return nil
    }

    /// Judges the traffic and writes its evidence pcaps before the report that names them.
    private func judgeTraffic(_ source: TrafficSource, scope: AuditScope, probes: [ProbedNetwork] = [],
                              evidence location: EvidenceLocation, logger: Logger) throws -> ObservedTraffic {
        let (judgement, analyses, truncatedFiles) = try source.judged(scope: scope, probes: probes)
        try location.write(judgement.evidence)
        for file in judgement.evidence { logger.notice("evidence written to \(location.directory)/\(file.file)") }
        return ObservedTraffic(
            judgement: judgement, location: location, interrupted: source.interrupted,
            section: CaptureSectionBuilder.section(source, analyses: analyses, truncatedFiles: truncatedFiles,
                                                   evidenceDirectory: judgement.evidence.isEmpty ? nil : location.displayedDirectory))
    }

    /// The networks named by --network, in the order given; all of them without it.
    private func selectedNetworks(of host: HostState) throws -> [LibvirtNetwork]? {
        guard !networks.isEmpty else { return nil }
        let known = host.libvirt.networks
        return try networks.map { name in
            guard let network = known.first(where: { $0.name == name }) else {
                let names = known.map(\.name).sorted()
                throw VNetAuditFailure("no libvirt network named \(name)"
                                       + (names.isEmpty ? " (no network is known)" : "; known: " + names.joined(separator: ", ")))
            }
            return network
        }
    }
}

extension ReportFormat: ExpressibleByArgument {}

/// What traffic judgement adds to a check: findings (with evidence named as the report's reader finds
/// it), the capture section, and whether Ctrl-C cut the capture short.
private struct ObservedTraffic {
    var judgement: TrafficJudgement
    var location: EvidenceLocation
    var interrupted: Bool
    var section: CaptureSection

    func findings(of network: String) -> [Finding] { judgement.findings(of: network).map(location.relocate) }
    var hostFindings: [Finding] { judgement.hostFindings.map(location.relocate) }
}
