import VNetJudge
import VNetModel
import VNetPackets

/// The packets behind findings, as a pcap file to write next to the report.
public struct EvidenceCapture: Sendable, Hashable {
    /// Relative to the report: `evidence/<network>-<finding-id>-<family>.pcap`.
    public var file: String
    public var linkType: LinkType
    /// In time order, at most `EvidenceFiles.frameLimit`.
    public var frames: [CapturedFrame]

    public init(file: String, linkType: LinkType, frames: [CapturedFrame]) {
        self.file = file
        self.linkType = linkType
        self.frames = frames
    }

    /// The file's bytes (nanosecond pcap, openable in Wireshark).
    public var pcapBytes: [UInt8] { PcapFile.write(linkType: linkType, frames: frames) }
}

/// One guest flow followed from the bridge to the uplinks.
public struct FlowOutcome: Sendable, Hashable, Codable {
    public var network: String
    public var family: AddressFamily
    /// `tcp 192.168.122.11:44006 -> 203.0.113.1:8080` as seen on the bridge.
    public var flow: String
    /// The uplink it left through; nil when it never left.
    public var leftThrough: String?
    /// The source address it left with when translated.
    public var translatedTo: String?
    public var answered: Bool
}

/// What traffic says: findings per network (and the host's, network nil), the evidence files they name,
/// and every outbound guest flow with where it went.
public struct TrafficJudgement: Sendable {
    public var findings: [ScopedFinding]
    public var evidence: [EvidenceCapture]
    public var flows: [FlowOutcome]

    public func findings(of network: String) -> [Finding] {
        findings.filter { $0.network == network }.map(\.finding)
    }

    public var hostFindings: [Finding] { findings.filter { $0.network == nil }.map(\.finding) }
}
