import Foundation
import VNetPackets

/// The `capture` section of a check report: what traffic was looked at, per interface, and whether
/// it can be trusted (drops, early ends). Present only when traffic was judged (`--capture`, `--pcap`,
/// a snapshot with captures).
public struct CaptureSection: Codable, Sendable, Equatable {
    /// `live`, `files` (--pcap) or `snapshot` (a bundle's captures/).
    public var source: String
    /// The duration asked for with --capture, in seconds; nil for saved captures.
    public var requestedSeconds: Double?
    /// From the first interface's start to the last one's end, in seconds.
    public var durationSeconds: Double
    /// Where the evidence pcaps were written (relative to the report file when there is one).
    public var evidenceDirectory: String?
    public var interfaces: [Interface]

    public init(source: String, requestedSeconds: Double?, durationSeconds: Double, evidenceDirectory: String?,
                interfaces: [Interface]) {
        self.source = source
        self.requestedSeconds = requestedSeconds
        self.durationSeconds = durationSeconds
        self.evidenceDirectory = evidenceDirectory
        self.interfaces = interfaces
    }

    /// One interface's capture.
    public struct Interface: Codable, Sendable, Equatable {
        public var interface: String
        /// `live` or the pcap file read.
        public var source: String
        /// The BPF filter of a live capture; omitted when everything was captured.
        public var filter: String?
        /// libpcap link type (1 Ethernet, 113 Linux cooked...).
        public var linkType: Int32
        /// Frames kept and judged.
        public var frames: Int
        public var bytes: Int
        /// libpcap's counters and the frames vnetaudit's own buffer could not keep; nil for files.
        public var counters: Counters?
        /// How the frames decoded; nil when no decoder ran.
        public var decode: DecodeTally?
        public var end: End
        /// For `failed`: libpcap's message.
        public var endDetail: String?
        public var durationSeconds: Double
        /// A saved file whose last record was cut short (a capture killed while writing): the frames
        /// before it were judged.
        public var truncatedLastRecord: Bool?

        public init(interface: String, source: String, filter: String?, linkType: Int32, frames: Int, bytes: Int,
                    counters: Counters?, decode: DecodeTally?, end: End, endDetail: String?, durationSeconds: Double,
                    truncatedLastRecord: Bool?) {
            self.interface = interface
            self.source = source
            self.filter = filter
            self.linkType = linkType
            self.frames = frames
            self.bytes = bytes
            self.counters = counters
            self.decode = decode
            self.end = end
            self.endDetail = endDetail
            self.durationSeconds = durationSeconds
            self.truncatedLastRecord = truncatedLastRecord
        }
    }

    /// libpcap's counters plus the frames vnetaudit's own buffer could not keep: the capture's own
    /// record, reported as captured.
    public typealias Counters = CaptureCounters

    /// Frames by how far they decoded.
    public struct DecodeTally: Codable, Sendable, Equatable {
        public var decoded: Int
        public var truncated: Int
        public var malformed: Int
        public var unsupported: Int

        public init(decoded: Int, truncated: Int, malformed: Int, unsupported: Int) {
            self.decoded = decoded
            self.truncated = truncated
            self.malformed = malformed
            self.unsupported = unsupported
        }
    }

    public enum End: String, Codable, Sendable {
        case completed
        case interrupted
        case interfaceVanished = "interface-vanished"
        case failed
    }
}
