import ArgumentParser
import Foundation
import VNetProbe

/// `check`'s active-probe options (docs/probes.md).
struct ProbeOptions: ParsableArguments {
    @Flag(name: .customLong("probe"),
          help: "Attach a temporary probe port to each network's bridge and judge the claims from its own traffic (root; removed on exit).")
    var enabled = false

    @Option(name: .customLong("probe-target"),
            help: ArgumentHelp("Send the probes here instead of the uplinks' gateways (repeatable; TCP to PORT, default 443).",
                               valueName: "addr[:port]"))
    var targets: [ProbeTarget] = []

    @Option(name: .customLong("probe-peer"),
            help: ArgumentHelp("Also open connections to each probe from this network namespace (/run/netns/NAME) you control.",
                               valueName: "netns"))
    var peer: String?

    /// How long the capture runs when --probe comes without --capture: the probes' longest wait (a DHCP
    /// offer, 4 s) and a margin.
    static let defaultCaptureSeconds = 5.0

    func validate() throws {
        if !enabled && (!targets.isEmpty || peer != nil) {
            throw ValidationError("--probe-target and --probe-peer only go with --probe.")
        }
        if let peer, !FileManager.default.fileExists(atPath: "/run/netns/\(peer)") {
            throw ValidationError("--probe-peer \(peer): no network namespace /run/netns/\(peer).")
        }
    }

    /// A probe changes the live host: no snapshot, no rule-set files, no saved captures.
    func validate(with input: HostInputOptions, traffic: TrafficOptions) throws {
        guard enabled else { return }
        if input.snapshot != nil || input.usesFiles || !traffic.pcaps.isEmpty {
            throw ValidationError("--probe works on the live host (optionally --netns): not with --snapshot, rule-set files or --pcap.")
        }
        if let seconds = traffic.capture?.seconds, seconds < Self.defaultCaptureSeconds {
            throw ValidationError("--probe needs a capture of at least \(Int(Self.defaultCaptureSeconds))s to see its answers.")
        }
    }
}

extension ProbeTarget: ExpressibleByArgument {}
