import VNetJudge
import VNetModel

/// A traffic finding before its packets become an evidence file: the frames behind it, offenders first.
struct TrafficDraft {
    var id: String
    var title: String
    var status: CheckStatus
    var message: String
    var family: AddressFamily?
    /// At most `EvidenceFiles.frameLimit`, each once: the evidence file holds no more, so thousands of
    /// flows behind a finding do not make thousands of frame lists.
    var frames: [FrameRef] = [] {
        didSet { if frames.count > EvidenceFiles.frameLimit || Set(frames).count < frames.count { frames = frames.evidenceFrames } }
    }
    /// What the evidence file holds, for the evidence's summary line.
    var evidenceSummary: String = ""
    var remediation: Remediation?

    /// Frames of flows, each flow's first frames (context around the offending packet), in the order given.
    static func frames(of flows: [Flow]) -> [FrameRef] { flows.evidenceFrames }
}

/// Something whose frames a finding's evidence shows (a flow, a crossing).
protocol EvidenceFramed {
    var frames: [FrameRef] { get }
}

extension Flow: EvidenceFramed {}
extension NetworkTraffic.Crossing: EvidenceFramed {}

extension Sequence where Element: EvidenceFramed {
    /// The elements' frames in order, each once, up to `EvidenceFiles.frameLimit`: what the evidence
    /// file would take from all of them, without listing all of them.
    var evidenceFrames: [FrameRef] { lazy.flatMap(\.frames).evidenceFrames }
}

extension Sequence where Element == FrameRef {
    /// The first `EvidenceFiles.frameLimit` distinct refs, in order.
    var evidenceFrames: [FrameRef] {
        var seen = Set<FrameRef>(), chosen: [FrameRef] = []
        for ref in self where seen.insert(ref).inserted {
            chosen.append(ref)
            if chosen.count == EvidenceFiles.frameLimit { break }
        }
        return chosen
    }
}

/// Words shared by messages.
enum Wording {
    static func family(_ family: AddressFamily) -> String { family == .ipv4 ? "IPv4" : "IPv6" }

    /// `3 flows (tcp 192.168.122.11:44006 -> 203.0.113.1:8080, ...)`, at most `limit` named.
    static func list<T>(_ items: [T], _ noun: String, limit: Int = 3, _ label: (T) -> String) -> String {
        let named = items.prefix(limit).map(label).joined(separator: "; ")
        let more = items.count > limit ? "; and \(items.count - limit) more" : ""
        return "\(items.count) \(noun)\(items.count == 1 ? "" : "s") (\(named)\(more))"
    }

    static func routeCommand(_ subnet: IPPrefix, via address: IPAddress?) -> String {
        let ip = subnet.family == .ipv6 ? "ip -6 route" : "ip route"
        return "\(ip) add \(subnet) via \(address.map(String.init(describing:)) ?? "HOST-ADDRESS-ON-THE-UPLINK")"
    }
}
