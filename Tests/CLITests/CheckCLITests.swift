import Foundation
import Testing
import VNetTestSupport

/// `vnetaudit check` from the outside: exit codes, the JSON schema, --network, --output.
@Suite struct CheckCLITests {
    private func run(_ arguments: [String]) throws -> Shell.Output {
        try Shell.run([BuiltProducts.vnetaudit] + arguments)
    }

    private var savedRules: String { CLITests.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path }

    @Test func bareRuleSetWithoutLibvirtIsInconclusiveExit3AndMatchesTheSchema() throws {
        let out = try run(["check", "--iptables-save", savedRules, "--format", "json"])
        #expect(out.status == 3, "\(out.stderr)")
        #expect(try JSONSchemaValidator.errors(of: out.stdout, against: "check-report.schema.json") == [])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(object["verdict"] as? String == "inconclusive")
        let findings = try #require(object["hostFindings"] as? [[String: Any]])
        #expect(findings.contains { $0["id"] as? String == "audit.libvirt-not-read" })
    }

    @Test func schemaRejectsWhatItShould() throws {
        let out = try run(["check", "--iptables-save", savedRules, "--format", "json"])
        let broken = out.stdout.replacingOccurrences(of: "\"verdict\" : \"inconclusive\"", with: "\"verdict\" : \"maybe\"")
        #expect(broken != out.stdout)
        #expect(try !JSONSchemaValidator.errors(of: broken, against: "check-report.schema.json").isEmpty)
    }

    @Test func unknownNetworkIsAnErrorExit2() throws {
        let out = try run(["check", "--iptables-save", savedRules, "--network", "nope"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("no libvirt network named nope"), "\(out.stderr)")
    }

    @Test func outputFileGetsTheReportAndStdoutStaysEmpty() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-check-\(UUID().uuidString).txt").path
        defer { unlink(path) }
        let out = try run(["check", "--iptables-save", savedRules, "--output", path])
        #expect(out.status == 3)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("report written to \(path)"))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("audit.libvirt-not-read") && text.contains("verdict: INCONCLUSIVE (exit 3)"))
        #expect(!text.contains("\u{1B}["), "no colour in files")
    }

    @Test func unwritableOutputIsExit2() throws {
        let out = try run(["check", "--iptables-save", savedRules, "--output", "/nonexistent-dir/report.json"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("/nonexistent-dir/report.json"))
    }
}
