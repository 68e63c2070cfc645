import Foundation
import Testing
import VNetTestSupport

/// `--verbose` and `--quiet` on every subcommand: they change what standard error says, never standard
/// output or the exit code.
@Suite struct LoggingCLITests {
    private static var savedRules: String { CLITests.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path }

    /// Every subcommand, runnable without root, with what it prints on standard error by default.
    static let subcommands: [[String]] = [
        ["show", "--iptables-save", savedRules],
        ["check", "--iptables-save", savedRules, "--format", "json"],
        ["explain", "--iptables-save", savedRules, "--from", "192.168.122.10", "--to", "198.51.100.7"],
        ["rules", "--format", "json"],
    ]

    private func run(_ arguments: [String]) throws -> Shell.Output {
        try Shell.run(["-u", "NO_COLOR", BuiltProducts.vnetaudit] + arguments)
    }

    @Test(arguments: subcommands)
    func levelsChangeStandardErrorOnly(_ arguments: [String]) throws {
        let normal = try run(arguments)
        let verbose = try run(arguments + ["--verbose"])
        let quiet = try run(arguments + ["--quiet"])
        #expect([0, 1, 3].contains(normal.status), "\(arguments): \(normal.stderr)")
        #expect(verbose.status == normal.status && quiet.status == normal.status, "\(arguments): same exit code")
        let same = withoutTimestamps(normal.stdout)
        #expect(withoutTimestamps(verbose.stdout) == same && withoutTimestamps(quiet.stdout) == same, "\(arguments): same standard output")
        #expect(quiet.stderr.isEmpty, "\(arguments) --quiet: \(quiet.stderr)")
        #expect(!normal.stderr.contains("debug:"), "\(arguments): \(normal.stderr)")
        if arguments[0] != "rules" {
            #expect(verbose.stderr.contains("vnetaudit: debug: reading the files \(Self.savedRules)"), "\(arguments): \(verbose.stderr)")
        }
    }

    @Test func probeTakesTheSameOptions() throws {
        // Without --cleanup it refuses before doing anything; the options themselves are accepted.
        for option in ["--verbose", "--quiet"] {
            let out = try run(["probe", option])
            #expect(out.status == 2 && out.stderr.contains("say what to do: --cleanup"), "\(option): \(out.stderr)")
        }
    }

    @Test func verboseAndQuietExcludeEachOther() throws {
        let out = try run(["show", "--iptables-save", Self.savedRules, "--verbose", "--quiet"])
        #expect(out.status == 2 && out.stdout.isEmpty)
        #expect(out.stderr.contains("--verbose and --quiet exclude each other"), "\(out.stderr)")
    }

    @Test func reportLinesAreNoticesThatQuietSilences() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-log-\(UUID().uuidString).json").path
        defer { unlink(path) }
        let normal = try run(["check", "--iptables-save", Self.savedRules, "--format", "json", "--output", path])
        #expect(normal.status == 3 && normal.stderr == "vnetaudit: report written to \(path): verdict inconclusive\n", "\(normal.stderr)")
        let quiet = try run(["check", "--iptables-save", Self.savedRules, "--format", "json", "--output", path, "-q"])
        #expect(quiet.status == 3 && quiet.stderr.isEmpty && quiet.stdout.isEmpty, "\(quiet.stderr)")
        #expect(FileManager.default.fileExists(atPath: path), "--quiet still writes the report")
        // Errors stay: --quiet never hides why a run could not go on.
        let failed = try run(["check", "--iptables-save", "/nonexistent/rules.save", "-q"])
        #expect(failed.status == 2 && failed.stderr.contains("/nonexistent/rules.save"), "\(failed.stderr)")
    }

    @Test(.enabled(if: Shell.isRoot, "reads the live host"))
    func verboseShowsTheLiveCollectorsProgress() throws {
        let verbose = try run(["show", "--only", "links", "--format", "json", "--verbose"])
        #expect(verbose.status == 0, "\(verbose.stderr)")
        #expect(verbose.stderr.contains("vnetaudit: debug: reading netlink"), "\(verbose.stderr)")
        let normal = try run(["show", "--only", "links", "--format", "json"])
        #expect(!normal.stderr.contains("reading netlink"), "\(normal.stderr)")
    }
}
