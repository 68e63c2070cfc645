import VNetJudge
import VNetPackets

/// How far the captures can be trusted: drops, interfaces that vanished, interrupted or failed captures,
/// frames the decoders could not read, captures of interfaces the scope does not use.
enum CaptureQuality {
    /// What `captures` missed, as a sentence: drops, and captures that failed part-way (a libpcap error, a
    /// spool file that could not be written), which lose every frame after the failure without counting
    /// it; nil when nothing is known to be missing (a file cannot say).
    static func gaps(_ captures: [InterfaceCapture]) -> String? {
        let dropping = captures.compactMap { c in c.counters.flatMap { $0.dropped > 0 ? "\($0.dropped) on \(c.interface)" : nil } }
        let failed = captures.compactMap { c in if case .failed = c.end { c.interface } else { nil } }
        var missed: [String] = []
        if !dropping.isEmpty { missed.append("frames were dropped (\(dropping.joined(separator: ", ")))") }
        if !failed.isEmpty { missed.append("the capture of \(failed.joined(separator: ", ")) failed part-way") }
        return missed.isEmpty ? nil : missed.joined(separator: " and ") + ", so not seeing a bad packet proves nothing"
    }

    /// The host-level `traffic.capture` finding: one line per interface.
    static func finding(_ traffic: [InterfaceTraffic], unplanned: Set<String>) -> Finding {
        var status: CheckStatus = traffic.isEmpty ? .inconclusive : .pass
        var lines: [String] = []
        for t in traffic {
            let c = t.capture
            let issues = (truncated: t.tally.total(.truncated), malformed: t.tally.total(.malformed))
            var line = "\(c.interface) (\(c.source)): \(t.frameCount) frames"
            if let counters = c.counters {
                line += ", \(counters.received) received, \(counters.dropped) dropped"
                if counters.dropped > 0 { status = max(status, .inconclusive) }
            }
            if issues.truncated + issues.malformed > 0 { line += ", \(issues.truncated) truncated and \(issues.malformed) malformed" }
            switch c.end {
            case .completed: break
            case .interrupted: line += ", interrupted"; status = max(status, .warn)
            case .interfaceVanished: line += ", the interface vanished during the capture"; status = max(status, .warn)
            case .failed(let reason): line += ", failed: \(reason)"; status = max(status, .warn)
            }
            if unplanned.contains(c.interface) { line += ", not an interface of the audited networks (ignored)" }
            lines.append(line)
        }
        return Finding(id: "traffic.capture", kind: .claim, title: "The captures are complete", status: status,
                       message: lines.isEmpty ? "no interface was captured" : lines.joined(separator: "; "),
                       evidence: lines.isEmpty ? [.state("no capture", source: "capture")]
                           : zip(traffic, lines).map { .state($1, source: "capture of \($0.capture.interface)") })
    }
}
