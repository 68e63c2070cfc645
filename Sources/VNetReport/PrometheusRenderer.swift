import Foundation
import VNetJudge
import VNetModel

/// Renders a check report in the Prometheus text exposition format, for node_exporter's textfile
/// collector (docs/formats.md), so an existing Prometheus and Alertmanager watch a fleet of hypervisors.
///
/// Statuses are one-hot gauges: every check (and network, and the report) has one series per status,
/// 1 for the one it has and 0 for the others. An alert is then a plain selector
/// (`vnetaudit_network_verdict{status="fail"} == 1`) whose labels already name host, network and mode,
/// and a status that goes away (fail -> pass) turns its series to 0 instead of leaving a gap.
/// Capture figures are gauges of the last run's capture, not running totals: each run starts from zero.
public enum PrometheusRenderer {
    public static func render(_ report: AuditReport) -> String {
        families(report).sorted { $0.name < $1.name }.map(\.exposition).joined()
    }

    static func families(_ report: AuditReport) -> [MetricFamily] {
        let host = ("host", report.host.hostname)
        var families = [
            MetricFamily("vnetaudit_info", "The run that wrote this file: tool version, input, libvirt's firewall backend (always 1).",
                         [Sample([host, ("version", report.tool.version), ("source", report.host.source),
                                  ("libvirt_firewall_backend", report.host.libvirtFirewallBackend?.rawValue ?? "")], 1)]),
            MetricFamily("vnetaudit_last_run_timestamp_seconds", "When the report was generated, in seconds since the Unix epoch.",
                         [Sample([host], report.generatedAt.timeIntervalSince1970)]),
            MetricFamily("vnetaudit_state_collected_timestamp_seconds",
                         "When the judged host state was read (older than the run for a snapshot), in seconds since the Unix epoch.",
                         [Sample([host], report.host.collectedAt.timeIntervalSince1970)]),
            MetricFamily("vnetaudit_report_interrupted", "1 when the run ended early (Ctrl-C) and judged only part of what it meant to.",
                         [Sample([host], report.interrupted ? 1 : 0)]),
            MetricFamily("vnetaudit_verdict", "The report's verdict, one-hot: 1 for the worst status of all checks, 0 for the others.",
                         oneHot([host], report.verdict)),
            MetricFamily("vnetaudit_networks", "How many networks have each verdict.",
                         CheckStatus.allCases.map { Sample([host, ("status", $0.rawValue)], Double(report.summary.networks[$0] ?? 0)) }),
            MetricFamily("vnetaudit_checks", "How many checks (networks' and host's) have each status.",
                         CheckStatus.allCases.map { Sample([host, ("status", $0.rawValue)], Double(report.summary.checks[$0] ?? 0)) }),
            MetricFamily("vnetaudit_network_verdict", "Each network's verdict (its worst check), one-hot by status.",
                         report.networks.flatMap { network in
                             oneHot([host, ("network", network.name), ("mode", network.mode.rawValue),
                                     ("bridge", network.bridge ?? "")], network.verdict)
                         }),
            MetricFamily("vnetaudit_check_status",
                         "Each check's status, one-hot: claims and catalogue rules per network; network=\"\" for host findings.",
                         checkSamples(report, host: host)),
        ]
        if let capture = report.capture { families += captureFamilies(capture, host: host) }
        return families
    }

    /// The check series. Checks are keyed by network, kind, id and family; should one key occur twice
    /// (a host rule with several findings), its series carries the worst status, as series must be unique.
    static func checkSamples(_ report: AuditReport, host: (String, String)) -> [Sample] {
        let scoped = report.networks.flatMap { network in network.checks.map { (network.name, network.mode.rawValue, $0) } }
            + report.hostFindings.map { ("", "", $0) }
        var worst: [[String]: (labels: [(String, String)], status: CheckStatus)] = [:]
        var order: [[String]] = []
        for (network, mode, finding) in scoped {
            let labels = [host, ("network", network), ("mode", mode), ("kind", finding.kind.rawValue), ("check", finding.id),
                          ("family", finding.family?.rawValue ?? ""), ("rule_severity", finding.severity?.rawValue ?? "")]
            let key = [network, finding.kind.rawValue, finding.id, finding.family?.rawValue ?? ""]
            if let seen = worst[key] {
                worst[key]?.status = max(seen.status, finding.status)
            } else {
                worst[key] = (labels, finding.status)
                order.append(key)
            }
        }
        return order.flatMap { key in worst[key].map { oneHot($0.labels, $0.status) } ?? [] }
    }

    /// Per interface of the capture: frames, libpcap's counters and drops by cause, whether it completed.
    static func captureFamilies(_ capture: CaptureSection, host: (String, String)) -> [MetricFamily] {
        let interfaces = capture.interfaces
        func label(_ i: CaptureSection.Interface) -> [(String, String)] { [host, ("interface", i.interface)] }
        let live = interfaces.compactMap { i in i.counters.map { (i, $0) } }
        return [
            MetricFamily("vnetaudit_capture_duration_seconds", "How long the last run's capture lasted, first start to last end.",
                         [Sample([host, ("source", capture.source)], capture.durationSeconds)]),
            MetricFamily("vnetaudit_capture_frames", "Frames of the last run's capture kept and judged, per interface.",
                         interfaces.map { Sample(label($0), Double($0.frames)) }),
            MetricFamily("vnetaudit_capture_bytes", "Bytes of the frames kept, per interface.",
                         interfaces.map { Sample(label($0), Double($0.bytes)) }),
            MetricFamily("vnetaudit_capture_packets_received", "Packets libpcap received during the last live capture, per interface.",
                         live.map { Sample(label($0.0), Double($0.1.received)) }),
            MetricFamily("vnetaudit_capture_packets_dropped",
                         "Packets the last live capture lost, per interface and cause (kernel, interface); any makes \"not seen\" untrustworthy.",
                         live.flatMap { i, c in
                             [("kernel", c.droppedByKernel), ("interface", c.droppedByInterface)]
                                 .map { Sample(label(i) + [("reason", $0.0)], Double($0.1)) }
                         }),
            MetricFamily("vnetaudit_capture_completed",
                         "1 when an interface's capture ran to its end; 0 when it was interrupted, its interface vanished, it failed, or its file was cut short.",
                         interfaces.map { Sample(label($0), $0.end == .completed && $0.truncatedLastRecord != true ? 1 : 0) }),
        ]
    }

    /// One series per status: 1 for `status`, 0 for the others.
    static func oneHot(_ labels: [(String, String)], _ status: CheckStatus) -> [Sample] {
        CheckStatus.allCases.map { Sample(labels + [("status", $0.rawValue)], $0 == status ? 1 : 0) }
    }

    /// One series: its labels in a fixed order and its value.
    struct Sample {
        var labels: [(String, String)]
        var value: Double

        init(_ labels: [(String, String)], _ value: Double) {
            self.labels = labels
            self.value = value
        }

        /// `{name="value",...}` with values escaped as the exposition format asks (backslash, quote, newline).
        var labelSet: String {
            "{" + labels.map { "\($0.0)=\"\(PrometheusRenderer.escape($0.1, quote: true))\"" }.joined(separator: ",") + "}"
        }
    }

    /// One metric family: HELP and TYPE once, then its series sorted by their labels.
    struct MetricFamily {
        var name: String
        var help: String
        var samples: [Sample]

        init(_ name: String, _ help: String, _ samples: [Sample]) {
            self.name = name
            self.help = help
            self.samples = samples
        }

        /// Empty when there is no series (a family with nothing to say is left out).
        var exposition: String {
            guard !samples.isEmpty else { return "" }
            var out = "# HELP \(name) \(PrometheusRenderer.escape(help, quote: false))\n# TYPE \(name) gauge\n"
            for line in samples.map({ "\(name)\($0.labelSet) \(PrometheusRenderer.format($0.value))" }).sorted() {
                out += line + "\n"
            }
            return out
        }
    }

    /// Backslash and line feed escaped (HELP text); in label values also the double quote.
    static func escape(_ text: String, quote: Bool) -> String {
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quote: out += "\\\""
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// Whole numbers without a fraction (counts, epoch seconds); others as Swift prints a Double.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
