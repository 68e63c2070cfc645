import ArgumentParser
import Foundation
import VNetJudge
import VNetModel
import VNetSnapshot
import VNetTraffic

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Save the host's state (model and raw sources) as a bundle that every command can read with --snapshot.",
        discussion: """
            The bundle holds manifest.json (format, version, checksums), host.json (the model) and raw/ \
            (libvirt XML files, the nf_tables netlink dump, iptables-save text of the legacy tables). \
            Reading the host changes nothing on it. With --capture DURATION it also captures every \
            active network's bridge and uplinks and stores captures/IFACE.pcap plus captures/capture.json \
            (filters, counters, how each capture ended), which `check --snapshot` then judges.

            Exit codes: 0 written, 2 could not run (bad input, missing privileges, unreadable state, the \
            directory not writable or not empty); see docs/exit-codes.md.
            """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Directory to write (must not exist, or be empty).", valueName: "dir"))
    var output: String

    @OptionGroup var input: HostInputOptions
    @OptionGroup var logging: LoggingOptions

    @Option(name: .customLong("capture"),
            help: ArgumentHelp("Also capture the networks' bridges and uplinks for this long (30s, 2m) into the bundle (root).",
                               valueName: "duration"))
    var capture: CaptureDuration?

    func validate() throws {
        if capture != nil && (input.snapshot != nil || input.usesFiles) {
            throw ValidationError("--capture watches the live host; it cannot be combined with --snapshot or rule-set files.")
        }
    }

    func run() throws {
        let loaded = try HostLoader.load(input, logger: logging.makeLogger())
        let captured = try capture.map { try captureTraffic(loaded.host, seconds: $0.seconds) }
        do {
            try SnapshotBundle.write(host: loaded.host, raw: loaded.raw, captures: try captured.map(SnapshotCaptures.files) ?? [],
                                     toolVersion: VNetAudit.version, to: URL(fileURLWithPath: output))
        } catch let error as VNetAuditFailure {
            throw error
        } catch {
            throw VNetAuditFailure("\(error)")
        }
        let h = loaded.host
        let traffic = captured.map { source in
            ", captures of " + source.spooled.map { "\($0.capture.interface) (\($0.frameCount) frames)" }.joined(separator: ", ")
                + (source.interrupted ? " (interrupted)" : "")
        } ?? ""
        print("snapshot written to \(output): \(h.libvirt.networks.count) libvirt networks, \(h.links.count) links, "
              + "\(h.firewall.tables.count) firewall tables, \(h.firewall.ruleCount) rules" + traffic)
    }

    /// Captures what `check --capture` would, for every network of the host.
    private func captureTraffic(_ host: HostState, seconds: Double) throws -> TrafficSource {
        try TrafficSource.live(CapturePlan.targets(for: AuditScope(host: host, networks: nil)), seconds: seconds,
                               namespace: input.netns, showProgress: logging.progressWanted(textFormat: true))
    }
}
