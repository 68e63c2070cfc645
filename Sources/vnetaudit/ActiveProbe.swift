import Foundation
import Logging
import Synchronization
import VNetJudge
import VNetProbe
import VNetTraffic

/// `check --probe`: plans a probe port per network, says what it will create, creates the ports, lets
/// them send while the bridges and uplinks are captured, and removes them on every way out (normal end,
/// error, Ctrl-C/SIGTERM: the signals are caught for the whole run, not only the capture).
struct ActiveProbe {
    var options: ProbeOptions
    /// `--netns`: where the host (bridges, uplinks) is.
    var namespace: String?
    var seconds: Double
    var showProgress: Bool
    /// Says what is created and removed (notices: --quiet silences them, failures to remove are warnings).
    var logger: Logger

    struct Outcome {
        var source: TrafficSource
        var probes: [ProbedNetwork]
    }

    func run(scope: AuditScope) throws -> Outcome {
        let host = HostSide(namespace: namespace)
        let bridges = scope.networks.compactMap(\.bridge?.name)
        let planned = ProbePlan.plans(networks: scope.networks, host: scope.host, targets: options.targets,
                                      inUse: AddressesInUse.read(bridges: bridges, host: host))
        for skipped in planned.skipped { say("network \(skipped.network): not probed: \(skipped.reason)") }
        guard !planned.ports.isEmpty else { throw VNetAuditFailure("--probe: no audited network can take a probe port") }
        let run = ProbeRun(plans: planned.ports, host: host, peer: options.peer, say: say)
        say("will create, and remove on exit:")
        for line in run.announcement { say("  " + line) }
        return try InterruptSignals.catching {
            defer {
                let problems = run.tearDown()
                if problems.isEmpty {
                    say("removed the probe ports")
                } else {
                    logger.warning("probe: could not remove: \(problems.joined(separator: "; ")); run `vnetaudit probe --cleanup`")
                }
            }
            do {
                try run.setUp(shouldStop: { InterruptSignals.received })
            } catch {
                throw VNetAuditFailure("--probe: cannot create a probe port: \(error)")
            }
            let results = ProbeResults()
            let source = try TrafficSource.live(CapturePlan.targets(for: scope), seconds: seconds, namespace: namespace,
                                                showProgress: showProgress, whileCapturing: {
                                                    guard !InterruptSignals.received else { return }
                                                    results.store(run.exercise())
                                                })
            let done = results.load()
            for result in done {
                for attempt in result.attempts { say("network \(result.network): \(attempt.summary)") }
            }
            return Outcome(source: source, probes: done.map(Self.probed))
        }
    }

    /// What the traffic judge needs of a probe port.
    static func probed(_ result: ProbeResult) -> ProbedNetwork {
        let inbound = result.attempts.filter { $0.kind == .inboundTCP }.map { attempt in
            ProbedNetwork.Inbound(family: attempt.family, from: attempt.source, to: attempt.destination,
                                  accepted: attempt.outcome == .failed ? nil : attempt.outcome == .answered, detail: attempt.detail)
        }
        return ProbedNetwork(network: result.network, addresses: result.addresses, inboundPort: ProbePlan.inboundPort, inbound: inbound)
    }

    private func say(_ line: String) {
        logger.notice("probe: \(line)")
    }
}

/// The probe results handed from the capture's companion thread to the caller.
private final class ProbeResults: Sendable {
    private let value = Mutex<[ProbeResult]>([])
    func store(_ results: [ProbeResult]) { value.withLock { $0 = results } }
    func load() -> [ProbeResult] { value.withLock { $0 } }
}
