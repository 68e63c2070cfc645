import ArgumentParser
import Foundation
import Logging

/// Exit codes shared by every subcommand (documented in docs/exit-codes.md).
enum ExitStatus: Int32 {
    case success = 0
    /// A check failed (check), or the packet is dropped (explain).
    case failed = 1
    /// Could not run: bad input, missing privileges, unreadable state.
    case couldNotRun = 2
    /// Nothing failed but something stayed inconclusive (check), or the fate is unknown (explain).
    case inconclusive = 3
}

@main
struct VNetAudit: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "vnetaudit",
        abstract: "Check that each libvirt virtual network really behaves the way its mode claims.",
        discussion: """
            vnetaudit reads the host's real network state (links, bridges, routes and sysctls through \
            netlink; legacy iptables through libiptc; nf_tables through netlink and libnftables; libvirt's \
            network XML) and judges every network's claims from evidence.

            Exit codes: 0 success (check: nothing failed), 1 a check failed, 2 could not run (bad input, \
            missing privileges), 3 nothing failed but something stayed inconclusive. Each subcommand's \
            --help says what its codes mean; all of them are in docs/exit-codes.md.
            """,
        version: version,
        subcommands: [Show.self, SnapshotCommand.self, Check.self, Explain.self, RulesCommand.self, ProbeCommand.self,
                      DiffCommand.self, MergeCommand.self]
    )

    /// Parses and runs, turning every error into a message on stderr and exit code 2, so scripts can
    /// tell "could not run" from the verdict codes later subcommands return.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            // A verdict, not an error: the report was already written.
            Foundation.exit(code.rawValue)
        } catch let error as VNetAuditFailure {
            FileHandle.standardError.write(Data("vnetaudit: \(error.description)\n".utf8))
            Foundation.exit(ExitStatus.couldNotRun.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            Foundation.exit(code.rawValue == 1 ? code.rawValue : ExitStatus.couldNotRun.rawValue)
        }
    }
}

/// An error the user must act on; its description is the whole message.
struct VNetAuditFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Logging shared by all subcommands, on standard error: warnings and notices (the files written) by
/// default, `--verbose` adds the collectors' progress, `--quiet` leaves only errors. The result on standard
/// output and the exit code are the same whatever the level.
struct LoggingOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Also log what is being read and done (debug).")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Log only errors: no notices, warnings or progress line on standard error.")
    var quiet = false

    func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet exclude each other.") }
    }

    var level: Logger.Level { verbose ? .debug : quiet ? .error : .notice }

    func makeLogger() -> Logger {
        Logger(label: "vnetaudit") { _ in ConsoleLogHandler(level: level) }
    }

    /// Whether the live capture line belongs on standard error (never with --quiet).
    func progressWanted(textFormat: Bool) -> Bool { !quiet && CaptureProgressLine.wanted(textFormat: textFormat) }
}
