import Foundation
import Testing
import VNetTestSupport

/// `check --probe` and `probe --cleanup` options from the outside: refused combinations never create
/// anything (no root needed for these).
@Suite struct ProbeCLITests {
    private var savedRules: String { CLITests.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path }

    @Test func probeOptionsAreValidated() throws {
        let cases: [([String], String)] = [
            (["--iptables-save", savedRules, "--probe"], "--probe works on the live host"),
            (["--probe-target", "203.0.113.1"], "only go with --probe"),
            (["--probe-peer", "somewhere"], "only go with --probe"),
            (["--probe", "--probe-target", "gateway.example"], "--probe-target"),
            (["--probe", "--probe-target", "203.0.113.1:0"], "--probe-target"),
            (["--probe", "--probe-peer", "no-such-namespace-\(getpid())"], "no network namespace"),
            (["--probe", "--capture", "2s"], "at least"),
        ]
        for (arguments, message) in cases {
            let out = try Shell.run([BuiltProducts.vnetaudit, "check"] + arguments)
            #expect(out.status == 2, "\(arguments): \(out.stderr)")
            #expect(out.stderr.contains(message), "\(arguments): \(out.stderr)")
        }
    }

    @Test func probeSubcommandNeedsCleanup() throws {
        let out = try Shell.run([BuiltProducts.vnetaudit, "probe"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("--cleanup"))
    }
}
