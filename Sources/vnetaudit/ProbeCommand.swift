import ArgumentParser
import Foundation
import VNetProbe

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Remove what a killed `check --probe` left behind.",
        discussion: """
            check --probe records every probe port it creates in /run/vnetaudit/probes/PID.json before \
            creating it, and removes port and file on exit, on Ctrl-C and on errors. A run killed \
            outright (SIGKILL, a crash) leaves them: --cleanup removes the ports of runs that are no \
            longer alive, and vnap<pid>-<n> links whose process is gone, and nothing else.

            Exit codes: 0 nothing left behind, 1 something could not be removed, 2 could not run; see \
            docs/exit-codes.md.
            """
    )

    @Flag(name: .customLong("cleanup"), help: "Remove leftovers of killed probe runs (root).")
    var cleanup = false

    @Option(name: .long, help: ArgumentHelp("Also look for orphan probe links in this network namespace (/run/netns/NAME).", valueName: "name"))
    var netns: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard cleanup else { throw ValidationError("say what to do: --cleanup") }
    }

    func run() throws {
        let outcome = ProbeCleanup.run(namespace: netns)
        for line in outcome.lines { print(line) }
        if outcome.failed { throw ExitCode(1) }
    }
}
