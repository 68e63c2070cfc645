import Foundation
import Testing
import VNetJudge
import VNetModel
import VNetTestSupport
@testable import VNetReport

/// `--format prometheus` of real lab reports: accepted by `promtool check metrics`, one-hot statuses per
/// check and network, capture drops per interface and cause, hostile label values escaped; the example
/// alert rules in deploy/prometheus pass `promtool check rules` and their unit tests.
@Suite struct PrometheusRendererTests {
    /// `promtool check metrics` of `text`: its complaints, empty when the file is accepted (lint included).
    static func promtoolComplaints(_ text: String) throws -> String {
        let out = try Shell.run(["promtool", "check", "metrics"], input: text)
        return out.status == 0 ? "" : out.stdout + out.stderr
    }

    /// The series of `text` as (name, labels, value), labels unescaped as a Prometheus parser reads them.
    static func series(_ text: String) -> [(name: String, labels: [String: String], value: Double)] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let line = String(line)
            guard let brace = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") else { return nil }
            var labels: [String: String] = [:]
            var rest = line[line.index(after: brace)..<close]
            while let eq = rest.firstIndex(of: "=") {
                let name = String(rest[..<eq]).trimmingCharacters(in: CharacterSet(charactersIn: ","))
                var value = ""
                var i = rest.index(eq, offsetBy: 2)
                while rest[i] != "\"" {
                    if rest[i] == "\\" {
                        i = rest.index(after: i)
                        value.append(rest[i] == "n" ? "\n" : rest[i])
                    } else {
                        value.append(rest[i])
                    }
                    i = rest.index(after: i)
                }
                labels[name] = value
                rest = rest[rest.index(after: i)...]
            }
            return (String(line[..<brace]), labels, Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)) ?? .nan)
        }
    }

    @Test func everyLabFixtureIsAcceptedByPromtool() throws {
        for name in LabReports.names {
            #expect(try Self.promtoolComplaints(PrometheusRenderer.render(LabReports.report(name))) == "", "\(name)")
        }
    }

    @Test func promtoolCheckIsReal() throws {
        let text = PrometheusRenderer.render(try LabReports.report("nftables-healthy"))
        let repeated = text + "# TYPE vnetaudit_report_interrupted gauge\nvnetaudit_report_interrupted{host=\"vm\"} 0\n"
        #expect(try Self.promtoolComplaints(repeated).contains("second TYPE line"), "a repeated family is refused")
        let badEscape = text.replacingOccurrences(of: "host=\"vm\"", with: "host=\"v\\m\"")
        #expect(try Self.promtoolComplaints(badEscape).contains("invalid escape"), "an unescaped backslash is refused")
    }

    @Test func everyCheckHasOneHotStatusSeriesAndEveryNetworkItsVerdict() throws {
        let report = try LabReports.report("nftables-forward-dev-down")
        let series = Self.series(PrometheusRenderer.render(report))
        let checks = series.filter { $0.name == "vnetaudit_check_status" }
        let findings = report.networks.flatMap { n in n.checks.map { (n, $0) } }
        #expect(checks.count == (findings.count + report.hostFindings.count) * CheckStatus.allCases.count)
        for (network, finding) in findings {
            let mine = checks.filter {
                $0.labels["network"] == network.name && $0.labels["check"] == finding.id
                    && $0.labels["family"] == (finding.family?.rawValue ?? "") && $0.labels["kind"] == finding.kind.rawValue
            }
            #expect(mine.count == 4)
            #expect(mine.filter { $0.value == 1 }.map { $0.labels["status"] } == [finding.status.rawValue], "\(finding.id)")
            #expect(mine.allSatisfy { $0.labels["mode"] == network.mode.rawValue && $0.labels["host"] == report.host.hostname })
            #expect(mine.allSatisfy { $0.labels["rule_severity"] == (finding.severity?.rawValue ?? "") })
        }
        for finding in report.hostFindings {
            #expect(checks.contains { $0.labels["network"] == "" && $0.labels["check"] == finding.id
                && $0.labels["status"] == finding.status.rawValue && $0.value == 1 })
        }
        for network in report.networks {
            let verdict = series.filter { $0.name == "vnetaudit_network_verdict" && $0.labels["network"] == network.name }
            #expect(verdict.filter { $0.value == 1 }.map { $0.labels["status"] } == [network.verdict.rawValue])
            #expect(verdict.allSatisfy { $0.labels["bridge"] == (network.bridge ?? "") })
        }
        for status in CheckStatus.allCases {
            #expect(series.contains { $0.name == "vnetaudit_checks" && $0.labels["status"] == status.rawValue
                && $0.value == Double(report.summary.checks[status] ?? 0) })
            #expect(series.contains { $0.name == "vnetaudit_networks" && $0.labels["status"] == status.rawValue
                && $0.value == Double(report.summary.networks[status] ?? 0) })
        }
        #expect(series.contains { $0.name == "vnetaudit_verdict" && $0.labels["status"] == "fail" && $0.value == 1 })
        #expect(series.contains { $0.name == "vnetaudit_last_run_timestamp_seconds" && $0.value == 1_800_000_123 })
        #expect(series.contains { $0.name == "vnetaudit_report_interrupted" && $0.value == 0 })
        #expect(!series.contains { $0.name.hasPrefix("vnetaudit_capture_") }, "no capture, no capture series")
    }

    @Test func captureDropsPerInterfaceAndCause() throws {
        var report = try LabReports.report("nftables-healthy")
        report.capture = LabReports.captureWithDrops
        report.interrupted = true
        let text = PrometheusRenderer.render(report)
        #expect(try Self.promtoolComplaints(text) == "")
        let series = Self.series(text)
        func value(_ name: String, _ labels: [String: String]) -> [Double] {
            series.filter { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }.map(\.value)
        }
        #expect(value("vnetaudit_capture_packets_dropped", ["interface": "virbr0", "reason": "kernel"]) == [7])
        #expect(value("vnetaudit_capture_packets_dropped", ["interface": "virbr0", "reason": "interface"]) == [1])
        #expect(value("vnetaudit_capture_packets_dropped", ["interface": "virbr0"]).count == 2, "one series per cause: kernel, interface")
        #expect(value("vnetaudit_capture_packets_dropped", ["interface": "eth0"]).isEmpty, "a file has no counters")
        #expect(value("vnetaudit_capture_packets_received", ["interface": "virbr0"]) == [131])
        #expect(value("vnetaudit_capture_frames", ["interface": "eth0"]) == [50])
        #expect(value("vnetaudit_capture_completed", ["interface": "virbr0"]) == [1])
        #expect(value("vnetaudit_capture_completed", ["interface": "vnet3"]) == [0], "interface vanished")
        #expect(value("vnetaudit_capture_completed", ["interface": "eth0"]) == [0], "file cut short")
        #expect(value("vnetaudit_capture_duration_seconds", ["source": "live"]) == [30.25])
        #expect(value("vnetaudit_report_interrupted", [:]) == [1])
    }

    @Test func familiesAppearOnceSortedWithHelpAndTypeAndTheOutputIsStable() throws {
        var report = try LabReports.report("iptables-forward-drop-legacy")
        report.capture = LabReports.captureWithDrops
        let text = PrometheusRenderer.render(report)
        #expect(text == PrometheusRenderer.render(report))
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(types == types.sorted() && Set(types).count == types.count)
        let helps = text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] }
        #expect(helps == types)
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(Set(samples.map { $0.prefix { $0 != "{" } }) == Set(types), "every series belongs to a declared family")
        let identities = samples.map { $0.prefix { $0 != " " } }
        #expect(Set(identities).count == identities.count, "no series twice (promtool does not check that; node_exporter does)")
    }

    @Test func hostileLabelValuesAreEscapedAndReadBackExactly() throws {
        let hostile = LabReports.hostile
        let report = try LabReports.hostileNamedReport()
        let text = PrometheusRenderer.render(report)
        #expect(try Self.promtoolComplaints(text) == "")
        let series = Self.series(text)
        #expect(series.allSatisfy { $0.labels["host"] == hostile })
        #expect(series.contains { $0.name == "vnetaudit_network_verdict" && $0.labels["network"] == hostile
            && $0.labels["status"] == "fail" && $0.value == 1 })
    }

    @Test func repeatedCheckKeysBecomeOneSeriesWithTheWorstStatus() {
        let a = Finding(id: "VNA-900", kind: .rule, title: "t", status: .warn, severity: .low, message: "first")
        var b = a
        b.status = .fail
        b.message = "second"
        let host = HostState(hostname: "hv", collectedAt: Date(timeIntervalSince1970: 1_800_000_000),
                             coverage: Coverage(libvirt: .live), libvirt: LibvirtState(networks: []))
        let report = AuditReport.assemble(scope: AuditScope(host: host), claims: { _ in [] },
                                          rules: [ScopedFinding(network: nil, finding: a), ScopedFinding(network: nil, finding: b)],
                                          source: "live", version: "0")
        let checks = Self.series(PrometheusRenderer.render(report)).filter { $0.name == "vnetaudit_check_status" && $0.labels["check"] == "VNA-900" }
        #expect(checks.count == 4)
        #expect(checks.filter { $0.value == 1 }.map { $0.labels["status"] } == ["fail"])
    }

    @Test func exampleAlertRulesAreValidAndPassTheirUnitTests() throws {
        let dir = LabReports.repositoryRoot.appendingPathComponent("deploy/prometheus").path
        let check = try Shell.run(["promtool", "check", "rules", dir + "/vnetaudit-alerts.yml"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("SUCCESS: 5 rules found"))
        let unit = try Shell.run(["promtool", "test", "rules", dir + "/vnetaudit-alerts.test.yml"])
        #expect(unit.status == 0, "\(unit.stdout)\(unit.stderr)")
    }

    /// The example rules over a real rendered file: `promtool test rules` fed with the file's series fires
    /// the failed-network alert for exactly the failed networks and the drops alert for the dropping interface.
    @Test func exampleAlertsFireOnARenderedLabReport() throws {
        var report = try LabReports.report("iptables-chains-flushed")
        report.capture = LabReports.captureWithDrops
        let series = Self.series(PrometheusRenderer.render(report))
        func selector(_ name: String, _ labels: [String: String]) -> String {
            name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
        }
        let failed = report.networks.filter { $0.verdict == .fail }
        #expect(failed.count >= 2)
        var yaml = "rule_files:\n  - \(LabReports.repositoryRoot.path)/deploy/prometheus/vnetaudit-alerts.yml\n"
        yaml += "evaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n"
        for s in series {
            yaml += "      - series: '\(selector(s.name, s.labels))'\n        values: '\(PrometheusRenderer.format(s.value))x10'\n"
        }
        yaml += "    alert_rule_test:\n      - eval_time: 5m\n        alertname: VNetAuditNetworkFailed\n        exp_alerts:\n"
        for network in failed {
            yaml += """
                      - exp_labels: {severity: critical, host: \(report.host.hostname), network: \(network.name), mode: \(network.mode.rawValue), bridge: \(network.bridge ?? ""), status: fail}
                        exp_annotations:
                          summary: "libvirt network \(network.name) (\(network.mode.rawValue)) on \(report.host.hostname) fails its claims"
                          description: "Run `vnetaudit check --network \(network.name) --format markdown` on \(report.host.hostname): the failed checks, their evidence and the fix."

            """
        }
        yaml += """
                  - eval_time: 5m
                    alertname: VNetAuditCaptureDrops
                    exp_alerts:
                      - exp_labels: {severity: warning, host: \(report.host.hostname), interface: virbr0}
                        exp_annotations:
                          summary: "vnetaudit's capture on \(report.host.hostname) virbr0 dropped 8 packets"

            """
        let out = try LabReports.check(yaml, named: "rendered.test.yml") { ["promtool", "test", "rules", $0] }
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
    }
}
