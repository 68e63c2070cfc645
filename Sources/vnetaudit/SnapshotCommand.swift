import ArgumentParser
import Foundation
import VNetModel
import VNetSnapshot

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Save the host's state (model and raw sources) as a bundle that every command can read with --snapshot.",
        discussion: """
            The bundle holds manifest.json (format, version, checksums), host.json (the model) and raw/ \
            (libvirt XML files, the nf_tables netlink dump, iptables-save text of the legacy tables). \
            Reading the host changes nothing on it.
            """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Directory to write (must not exist, or be empty).", valueName: "dir"))
    var output: String

    @OptionGroup var input: HostInputOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let loaded = try HostLoader.load(input, logger: logging.makeLogger())
        do {
            try SnapshotBundle.write(host: loaded.host, raw: loaded.raw, toolVersion: VNetAudit.version,
                                     to: URL(fileURLWithPath: output))
        } catch {
            throw VNetAuditFailure("\(error)")
        }
        let h = loaded.host
        print("snapshot written to \(output): \(h.libvirt.networks.count) libvirt networks, \(h.links.count) links, "
              + "\(h.firewall.tables.count) firewall tables, \(h.firewall.ruleCount) rules")
    }
}
