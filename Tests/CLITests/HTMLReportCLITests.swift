import Foundation
import Testing
import VNetTestSupport

/// `vnetaudit check --format html` from the outside: one self-contained page, to standard output or a file.
@Suite struct HTMLReportCLITests {
    private var savedRules: String { CLITests.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path }

    @Test func htmlReportOfARuleSetIsOneSelfContainedPage() throws {
        let out = try Shell.run([BuiltProducts.vnetaudit, "check", "--iptables-save", savedRules, "--format", "html"])
        #expect(out.status == 3, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("<!DOCTYPE html>") && out.stdout.hasSuffix("</html>\n"))
        #expect(out.stdout.contains("data-check-id=\"audit.libvirt-not-read\""), "the host finding of a bare rule set")
        #expect(out.stdout.contains("Overall verdict: <span class=\"status status-inconclusive\">inconclusive</span>"))
        #expect(!out.stdout.contains("http:") && !out.stdout.contains("https:") && !out.stdout.contains("\u{1B}["))
    }

    @Test func htmlReportGoesToTheOutputFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-check-\(UUID().uuidString).html").path
        defer { unlink(path) }
        let out = try Shell.run([BuiltProducts.vnetaudit, "check", "--iptables-save", savedRules, "--format", "html", "--output", path])
        #expect(out.status == 3 && out.stdout.isEmpty)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("<svg") == false, "no walk without libvirt networks")
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
    }
}
