import Foundation
import Testing
import VNetTestSupport

/// `check --format junit|markdown|prometheus` through the binary: the formats are selectable, written to
/// standard output or --output, accepted by their consumers' tools, and the exit code still follows the verdict.
@Suite struct ReportFormatsCLITests {
    private var savedRules: String { CLITests.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path }
    private var junitSchema: String {
        CLITests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("VNetReportTests/Fixtures/junit-10.xsd").path
    }

    private func check(_ format: String, output: String? = nil) throws -> Shell.Output {
        try Shell.run([BuiltProducts.vnetaudit, "check", "--iptables-save", savedRules, "--format", format]
                      + (output.map { ["--output", $0] } ?? []))
    }

    private func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-formats-\(UUID().uuidString)-\(name)").path
    }

    @Test func junitIsValidAndTheUnreadLibvirtStateIsAnError() throws {
        let path = temporaryFile("report.junit.xml")
        defer { unlink(path) }
        let out = try check("junit", output: path)
        #expect(out.status == 3, "inconclusive: \(out.stderr)")
        let lint = try Shell.run(["xmllint", "--noout", "--schema", junitSchema, path])
        #expect(lint.status == 0, "\(lint.stderr)")
        let xml = try String(contentsOfFile: path, encoding: .utf8)
        #expect(xml.contains(#/<testcase name="audit.libvirt-not-read" classname="vnetaudit\.[^".]+\.host\.claims">/#))
        #expect(xml.contains("<error message=") && xml.contains("type=\"inconclusive\""))
    }

    @Test func markdownGoesToStandardOutput() throws {
        let out = try check("markdown")
        #expect(out.status == 3)
        #expect(out.stdout.hasPrefix("# vnetaudit check of `"))
        #expect(out.stdout.contains("### **INCONCLUSIVE** `audit.libvirt-not-read`"))
        #expect(out.stdout.contains("```sh\nvnetaudit snapshot --output /tmp/host-snapshot\n"))
    }

    @Test func prometheusFileIsAcceptedByPromtool() throws {
        let path = temporaryFile("vnetaudit.prom")
        defer { unlink(path) }
        let out = try check("prometheus", output: path)
        #expect(out.status == 3)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lint = try Shell.run(["promtool", "check", "metrics"], input: text)
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(text.contains("vnetaudit_verdict{host=") && text.contains("status=\"inconclusive\"} 1"))
        #expect(text.contains("check=\"audit.libvirt-not-read\""))
    }
}
