import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import VNetJudge
import VNetModel
@testable import VNetReport

/// `--format junit` of real lab reports: valid against the JUnit schema CI tools accept (xmllint), one case
/// per check per network, statuses mapped so nothing undecided shows green, evidence and fix in the body.
@Suite struct JUnitRendererTests {
    static var schema: String {
        get throws {
            try #require(Bundle.module.url(forResource: "Fixtures/junit-10.xsd", withExtension: nil)).path
        }
    }

    static func document(_ report: AuditReport) throws -> XMLDocument {
        try XMLDocument(xmlString: JUnitRenderer.render(report), options: [])
    }

    static func elements(_ node: XMLNode, _ xpath: String) throws -> [XMLElement] {
        try node.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    /// `vnetaudit.HOST`, the start of every suite name and classname of the report.
    static func hostPrefix(_ report: AuditReport) -> String { "vnetaudit.\(JUnitRenderer.hostLabel(report.host.hostname))" }

    static func attribute(_ element: XMLElement, _ name: String) -> String? {
        element.attribute(forName: name)?.stringValue
    }

    /// Validates `xml` with `xmllint --noout --schema`; returns xmllint's complaints, empty when valid.
    static func schemaErrors(_ xml: String) throws -> String {
        let schema = try Self.schema
        let out = try LabReports.check(xml, named: "report.junit.xml") { ["xmllint", "--noout", "--schema", schema, $0] }
        return out.status == 0 ? "" : out.stderr
    }

    @Test func everyLabFixtureValidatesAgainstTheJUnitSchema() throws {
        let names = LabReports.names
        #expect(names.count >= 20)
        for name in names {
            #expect(try Self.schemaErrors(JUnitRenderer.render(LabReports.report(name))) == "", "\(name)")
        }
    }

    @Test func schemaValidationRejectsWhatTheSchemaForbids() throws {
        let xml = JUnitRenderer.render(try LabReports.report("nftables-healthy"))
        let broken = xml.replacingOccurrences(of: "<testcase name=", with: "<testcase title=")
        #expect(broken != xml)
        #expect(try Self.schemaErrors(broken).contains("name"), "the check is real: a case without a name fails")
    }

    @Test func oneCasePerClaimAndPerCheckOfEachNetwork() throws {
        for name in ["nftables-forward-dev-down", "iptables-chains-flushed", "nftables-healthy"] {
            let report = try LabReports.report(name)
            let host = try LabReports.host(name)
            let document = try Self.document(report)
            let suites = try Self.elements(document, "/testsuites/testsuite")
            #expect(suites.count == report.networks.count + 1, "one suite per network plus the host")
            for network in report.networks {
                let prefix = Self.hostPrefix(report) + ".network.\(network.name)"
                let suite = try #require(suites.first { Self.attribute($0, "name") == prefix })
                let cases = try Self.elements(suite, "testcase")
                let claims = ClaimJudge.judge(try #require(host.libvirt.network(named: network.name)), on: host)
                #expect(cases.filter { Self.attribute($0, "classname") == prefix + ".claims" }.count == claims.count,
                        "\(name) \(network.name): one case per claim")
                #expect(cases.filter { Self.attribute($0, "classname") == prefix + ".rules" }.count
                        == network.checks.filter { $0.kind == .rule }.count)
                #expect(cases.count == network.checks.count, "\(name) \(network.name): one case per check")
                #expect(Self.attribute(suite, "tests") == "\(cases.count)")
            }
            let hostSuite = try #require(suites.first { Self.attribute($0, "name") == Self.hostPrefix(report) + ".host" })
            #expect(try Self.elements(hostSuite, "testcase").count == report.hostFindings.count)
            let root = try #require(document.rootElement())
            #expect(Self.attribute(root, "tests") == "\(report.summary.checks.values.reduce(0, +))")
        }
    }

    /// Two hosts' files gathered into one CI job: every host has a network `default`, so the classnames
    /// carry the host (its dots made underscores, as CI systems split packages at dots).
    @Test func classnamesOfTwoHostsNeverCollide() throws {
        var first = try LabReports.report("nftables-healthy")
        var second = first
        first.host.hostname = "hv1.example.org"
        second.host.hostname = "hv2.example.org"
        func classnames(_ report: AuditReport) throws -> Set<String> {
            Set(try Self.elements(try Self.document(report), "/testsuites/testsuite/testcase").compactMap { Self.attribute($0, "classname") })
        }
        let firstNames = try classnames(first), secondNames = try classnames(second)
        #expect(firstNames.contains("vnetaudit.hv1_example_org.network.default.claims"))
        #expect(!firstNames.isEmpty && firstNames.isDisjoint(with: secondNames))
    }

    /// nftables-forward-dev-down has a failed, an inconclusive, a warned and passed checks.
    @Test func statusesMapToFailureErrorSystemOutAndPlainCases() throws {
        let report = try LabReports.report("nftables-forward-dev-down")
        let statuses = Set(report.networks.flatMap(\.checks).map(\.status))
        #expect(statuses == Set(CheckStatus.allCases), "the fixture exercises every status")
        let document = try Self.document(report)
        for network in report.networks {
            let suite = try #require(try Self.elements(document, "/testsuites/testsuite").first {
                Self.attribute($0, "name") == Self.hostPrefix(report) + ".network.\(network.name)"
            })
            #expect(Self.attribute(suite, "failures") == "\(network.checks.filter { $0.status == .fail }.count)")
            #expect(Self.attribute(suite, "errors") == "\(network.checks.filter { $0.status == .inconclusive }.count)")
            #expect(Self.attribute(suite, "skipped") == "0")
            #expect(Self.attribute(suite, "hostname") == report.host.hostname)
            #expect(Self.attribute(suite, "timestamp") == "2027-01-15T08:02:03", "generatedAt 1800000123, UTC")
            let properties = Dictionary(try Self.elements(suite, "properties/property").map {
                (Self.attribute($0, "name") ?? "", Self.attribute($0, "value") ?? "")
            }, uniquingKeysWith: { a, _ in a })
            #expect(properties["mode"] == network.mode.rawValue && properties["verdict"] == network.verdict.rawValue)
            let cases = try Self.elements(suite, "testcase")
            for (finding, testCase) in zip(network.checks, cases) {
                #expect(Self.attribute(testCase, "name") == finding.id + (finding.family.map { " (\($0.rawValue))" } ?? ""))
                let failure = try Self.elements(testCase, "failure")
                let error = try Self.elements(testCase, "error")
                let out = try Self.elements(testCase, "system-out")
                switch finding.status {
                case .pass:
                    #expect(failure.isEmpty && error.isEmpty && out.isEmpty)
                case .warn:
                    #expect(failure.isEmpty && error.isEmpty)
                    #expect(out.first?.stringValue?.contains(finding.message) == true)
                case .fail:
                    let element = try #require(failure.first)
                    #expect(error.isEmpty && Self.attribute(element, "type") == "fail")
                    #expect(Self.attribute(failure[0], "message") == finding.message)
                case .inconclusive:
                    let element = try #require(error.first)
                    #expect(failure.isEmpty && Self.attribute(element, "type") == "inconclusive")
                    #expect(Self.attribute(error[0], "message") == finding.message)
                }
            }
        }
    }

    @Test func failureBodyCarriesEvidenceAndTheFixCommands() throws {
        let report = try LabReports.report("iptables-chains-flushed")
        let document = try Self.document(report)
        let failed = report.networks.flatMap(\.checks).filter { $0.status == .fail }
        #expect(failed.count >= 3)
        let bodies = try Self.elements(document, "//failure").compactMap(\.stringValue)
        #expect(bodies.count == failed.count)
        for (finding, body) in zip(failed, bodies) {
            for evidence in finding.evidence {
                #expect(body.contains(evidence.summary))
                if let text = evidence.text { #expect(body.contains(text)) }
                if let decider = evidence.path?.decidedBy { #expect(body.contains("decided by \(decider)")) }
            }
            for command in finding.remediation?.commands ?? [] { #expect(body.contains("$ " + command)) }
        }
        #expect(failed.contains { !($0.remediation?.commands.isEmpty ?? true) })
    }

    @Test func captureSectionAndInterruptionReachTheHostSuite() throws {
        var report = try LabReports.report("nftables-healthy")
        report.capture = LabReports.captureWithDrops
        report.interrupted = true
        let xml = JUnitRenderer.render(report)
        #expect(try Self.schemaErrors(xml) == "")
        let document = try XMLDocument(xmlString: xml, options: [])
        let hostSuite = try #require(try Self.elements(document, "/testsuites/testsuite").first {
            Self.attribute($0, "name") == Self.hostPrefix(report) + ".host"
        })
        let output = try #require(try Self.elements(hostSuite, "system-out").first?.stringValue)
        #expect(output.contains("dropped 7 by the kernel, 1 by the interface"))
        let interrupted = try #require(try Self.elements(hostSuite, "testcase").first {
            Self.attribute($0, "name") == "audit.run-completed"
        })
        #expect(Self.attribute(try #require(try Self.elements(interrupted, "error").first), "type") == "interrupted")
        #expect(Self.attribute(hostSuite, "errors") == "1")
    }

    @Test func hostileNamesStayTextAndTheOutputStaysValid() throws {
        let hostile = LabReports.hostile
        let report = try LabReports.hostileNamedReport()
        let xml = JUnitRenderer.render(report)
        #expect(try Self.schemaErrors(xml) == "")
        let document = try XMLDocument(xmlString: xml, options: [])
        let shown = hostile.replacingOccurrences(of: "\u{07}", with: "\u{FFFD}")
        let suites = try Self.elements(document, "/testsuites/testsuite")
        #expect(suites.contains { Self.attribute($0, "name") == "vnetaudit.\(JUnitRenderer.hostLabel(shown)).network.\(shown)" }, "newline kept in the attribute")
        #expect(suites.allSatisfy { Self.attribute($0, "hostname") == shown })
        let failure = try #require(try Self.elements(document, "//failure").first)
        #expect(Self.attribute(failure, "message")?.contains(shown) == true)
    }
}
