/// One frame as captured: when, how long it was on the wire, and the bytes kept (up to the snap length).
public struct CapturedFrame: Sendable, Hashable {
    /// Nanoseconds since the Unix epoch.
    public var timestampNanoseconds: UInt64
    public var originalLength: Int
    public var bytes: [UInt8]

    public init(timestampNanoseconds: UInt64, originalLength: Int, bytes: [UInt8]) {
        self.timestampNanoseconds = timestampNanoseconds
        self.originalLength = originalLength
        self.bytes = bytes
    }
}

/// Everything captured on one interface during one capture (live, or read from a pcap file), with the
/// counters that say whether "nothing seen" can be trusted.
public struct InterfaceCapture: Sendable {
    public var interface: String
    public var linkType: LinkType
    public var frames: [CapturedFrame]
    /// libpcap's counters; nil for a file (a file cannot say what it missed).
    public var counters: CaptureCounters?
    public var startedAtNanoseconds: UInt64
    public var endedAtNanoseconds: UInt64
    public var end: CaptureEnd
    /// Where the frames came from: `live` or the pcap file's path.
    public var source: String

    public init(interface: String, linkType: LinkType, frames: [CapturedFrame], counters: CaptureCounters?,
                startedAtNanoseconds: UInt64, endedAtNanoseconds: UInt64, end: CaptureEnd, source: String) {
        self.interface = interface
        self.linkType = linkType
        self.frames = frames
        self.counters = counters
        self.startedAtNanoseconds = startedAtNanoseconds
        self.endedAtNanoseconds = endedAtNanoseconds
        self.end = end
        self.source = source
    }
}

/// `pcap_stats` of a live capture.
public struct CaptureCounters: Sendable, Hashable, Codable {
    public var received: UInt64
    public var droppedByKernel: UInt64
    public var droppedByInterface: UInt64

    public init(received: UInt64, droppedByKernel: UInt64, droppedByInterface: UInt64) {
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
    }

    public var dropped: UInt64 { droppedByKernel + droppedByInterface }
}

/// How an interface's capture ended.
public enum CaptureEnd: Sendable, Hashable, Codable {
    /// Ran its whole duration (or the file was read to its end).
    case completed
    /// Ctrl-C (SIGINT/SIGTERM) ended it early.
    case interrupted
    /// The interface was deleted (a guest shut down) while capturing.
    case interfaceVanished
    /// libpcap reported an error; the message says which.
    case failed(String)
}
