import ArgumentParser

/// `check`'s traffic options: judge captured packets beside the rule set.
struct TrafficOptions: ParsableArguments {
    @Option(name: .customLong("capture"),
            help: ArgumentHelp("Capture the audited networks' bridges and uplinks for this long (30s, 2m, 1h) and judge the traffic too (root).",
                               valueName: "duration"))
    var capture: CaptureDuration?

    @Option(name: .customLong("pcap"),
            help: ArgumentHelp("Judge a saved capture taken on interface IFACE (repeatable), as a live one would be.",
                               valueName: "iface=file"))
    var pcaps: [PcapInput] = []

    @Option(name: .customLong("evidence-dir"),
            help: ArgumentHelp("Write the evidence pcaps here (default: next to --output, in the run's HOST-TIME/ folder of a report folder, else ./reports).", valueName: "dir"))
    var evidenceDirectory: String?

    func validate() throws {
        if capture != nil && !pcaps.isEmpty {
            throw ValidationError("--capture and --pcap exclude each other: judge live traffic or saved captures.")
        }
        let interfaces = pcaps.map(\.interface)
        if let repeated = interfaces.first(where: { name in interfaces.filter { $0 == name }.count > 1 }) {
            throw ValidationError("--pcap names interface \(repeated) twice: one capture file per interface.")
        }
    }

    /// Checked against the host input: a live capture needs the live host.
    func validate(with input: HostInputOptions) throws {
        if capture != nil && (input.snapshot != nil || input.usesFiles) {
            throw ValidationError("--capture watches the live host; with --snapshot or rule-set files use --pcap IFACE=FILE, or a snapshot taken with `snapshot --capture`.")
        }
    }
}

extension PcapInput: ExpressibleByArgument {}
