import Foundation
import VNetJudge
import VNetModel

/// Renders a check report as JUnit XML, so CI systems show an audit like test results (docs/formats.md):
/// one `<testsuite>` per network plus one for the host, one `<testcase>` per check.
///
/// Status mapping: pass is a passing case; warn a passing case with the warning in `<system-out>`; fail a
/// `<failure type="fail">`; inconclusive an `<error type="inconclusive">`. JUnit's error means "the test
/// could not come to a verdict", which is what inconclusive is, and CI systems show errors red: an
/// undecided claim is never shown green (skipped would be, by most of them). An interrupted run adds one
/// case, `audit.run-completed`, erroring in the host suite.
public enum JUnitRenderer {
    public static func render(_ report: AuditReport) -> String {
        let timestamp = timestampFormatter().string(from: report.generatedAt)
        let host = hostLabel(report.host.hostname)
        let suites = report.networks.map { Suite(network: $0, host: host, report: report) } + [Suite(hostOf: report, host: host)]
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites" + attributes([
            ("name", "vnetaudit check of \(report.host.hostname)"),
            ("tests", "\(suites.map(\.cases.count).reduce(0, +))"),
            ("failures", "\(suites.map(\.failures).reduce(0, +))"),
            ("errors", "\(suites.map(\.errors).reduce(0, +))"),
        ]) + ">\n"
        for suite in suites { out += suite.xml(hostname: report.host.hostname, timestamp: timestamp) }
        out += "</testsuites>\n"
        return out
    }

    /// The classname prefix of a network's cases: `vnetaudit.HOST.network.NAME`. The host is part of it
    /// so that the reports of several hosts gathered into one CI job keep apart (every host has a
    /// network `default`). Host findings use `vnetaudit.HOST.host` (no network can be called that:
    /// networks sit one level further down, under `network`).
    static func classPrefix(network: String, host: String) -> String { "vnetaudit.\(host).network.\(network)" }
    static func hostClassPrefix(host: String) -> String { "vnetaudit.\(host).host" }

    /// The host name as one classname level: CI systems split classnames into packages at dots, so a
    /// fully qualified name's dots become underscores.
    static func hostLabel(_ hostname: String) -> String {
        hostname.isEmpty ? "unknown" : hostname.replacingOccurrences(of: ".", with: "_")
    }

    /// The `timestamp` attribute: UTC, ISO 8601 without a zone, as Ant writes it (and stricter schemas want).
    static func timestampFormatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter
    }

    /// One test case: a finding, or the synthetic case of an interrupted run.
    struct Case {
        var name: String
        var classname: String
        var status: CheckStatus
        /// The `message` attribute of a failure or error.
        var message: String
        /// The body of a failure or error, or the `<system-out>` of a warning.
        var account: String
        /// `type` of the failure or error element.
        var type: String

        init(_ finding: Finding, classPrefix: String) {
            name = finding.qualifiedID
            classname = classPrefix + (finding.kind == .claim ? ".claims" : ".rules")
            status = finding.status
            message = finding.message
            var heading = "\(finding.status.rawValue.uppercased()) \(finding.qualifiedID): \(finding.title)"
            if let severity = finding.severity { heading += " (severity \(severity.rawValue))" }
            account = heading + "\n" + finding.plainAccount
            type = finding.status.rawValue
        }

        init(interruptedRunIn classPrefix: String) {
            name = "audit.run-completed"
            classname = classPrefix + ".run"
            status = .inconclusive
            message = "The run ended early (interrupted); only what was judged until then is reported."
            account = message
            type = "interrupted"
        }

        var xml: String {
            let open = "    <testcase" + attributes([("name", name), ("classname", classname)])
            switch status {
            case .pass:
                return open + "/>\n"
            case .warn:
                return open + ">\n      <system-out>" + escape(account) + "</system-out>\n    </testcase>\n"
            case .fail, .inconclusive:
                let element = status == .fail ? "failure" : "error"
                return open + ">\n      <\(element)" + attributes([("message", message), ("type", type)]) + ">"
                    + escape(account) + "</\(element)>\n    </testcase>\n"
            }
        }
    }

    /// One `<testsuite>`: a network's checks or the host's findings.
    struct Suite {
        var name: String
        var properties: [(String, String)]
        var cases: [Case]
        /// Text for the suite's `<system-out>` (the capture section of the host suite).
        var output: String?

        var failures: Int { cases.filter { $0.status == .fail }.count }
        var errors: Int { cases.filter { $0.status == .inconclusive }.count }

        init(network: NetworkReport, host: String, report: AuditReport) {
            let prefix = classPrefix(network: network.name, host: host)
            name = prefix
            properties = [("network", network.name), ("mode", network.mode.rawValue),
                          ("bridge", network.bridge ?? ""), ("forward-device", network.forwardDevice ?? ""),
                          ("subnets", network.subnets.joined(separator: " ")), ("active", "\(network.active)"),
                          ("verdict", network.verdict.rawValue)] + commonProperties(report)
            cases = network.checks.map { Case($0, classPrefix: prefix) }
        }

        init(hostOf report: AuditReport, host: String) {
            let hostClassPrefix = hostClassPrefix(host: host)
            name = hostClassPrefix
            properties = [("verdict", CheckStatus.worst(report.hostFindings.map(\.status)).rawValue),
                          ("report-verdict", report.verdict.rawValue),
                          ("libvirt-firewall-backend", report.host.libvirtFirewallBackend?.rawValue ?? "")]
                + commonProperties(report)
            cases = report.hostFindings.map { Case($0, classPrefix: hostClassPrefix) }
            if report.interrupted { cases.append(Case(interruptedRunIn: hostClassPrefix)) }
            output = report.capture.map { CheckRenderer.render($0, TextStyle(enabled: false)) }
        }

        func xml(hostname: String, timestamp: String) -> String {
            var out = "  <testsuite" + attributes([
                ("name", name), ("tests", "\(cases.count)"), ("failures", "\(failures)"), ("errors", "\(errors)"),
                ("skipped", "0"), ("timestamp", timestamp), ("hostname", hostname),
            ]) + ">\n"
            out += "    <properties>\n"
            for (key, value) in properties {
                out += "      <property" + attributes([("name", key), ("value", value)]) + "/>\n"
            }
            out += "    </properties>\n"
            for testCase in cases { out += testCase.xml }
            if let output { out += "    <system-out>" + escape(output) + "</system-out>\n" }
            return out + "  </testsuite>\n"
        }
    }

    /// Properties every suite carries: where the state came from and which run judged it.
    static func commonProperties(_ report: AuditReport) -> [(String, String)] {
        [("host", report.host.hostname), ("source", report.host.source),
         ("collected-at", ModelJSON.format(report.host.collectedAt)),
         ("interrupted", "\(report.interrupted)"),
         ("tool", "\(report.tool.name) \(report.tool.version)")]
    }

    /// ` name="value"...`, values escaped for a quoted attribute.
    static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(escape($0.1, inAttribute: true))\"" }.joined()
    }

    /// Text made safe for XML 1.0: markup characters escaped, characters XML cannot hold at all (most
    /// C0 controls, U+FFFE, U+FFFF) replaced by U+FFFD; in attributes, line breaks and tabs kept as
    /// character references (a parser would otherwise turn them into spaces).
    static func escape(_ text: String, inAttribute: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where inAttribute: out += "&quot;"
            case "\n" where inAttribute: out += "&#10;"
            case "\t" where inAttribute: out += "&#9;"
            case "\r": out += "&#13;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            case "\u{0}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
