import VNetPackets

extension CaptureSession {
    /// One interface to capture on, with the BPF filter (tcpdump syntax) that keeps unrelated traffic
    /// out; nil or empty captures everything.
    public struct Target: Sendable, Hashable {
        public var interface: String
        public var filter: String?

        public init(interface: String, filter: String? = nil) {
            self.interface = interface
            self.filter = filter
        }
    }

    /// How a live capture reads. Bursts are absorbed by the kernel's ring (`kernelBufferBytes`, per
    /// interface); frames then go straight to a spool file, so the process holds none of them.
    public struct Limits: Sendable, Hashable {
        public var snapshotLength: Int32
        public var kernelBufferBytes: Int32

        public init(snapshotLength: Int32 = 262_144, kernelBufferBytes: Int32 = 32 << 20) {
            self.snapshotLength = snapshotLength
            self.kernelBufferBytes = kernelBufferBytes
        }
    }

    /// One interface's capture: described (counters, times, how it ended; no frames in memory) and the
    /// spool file holding its frames, nil when the interface could not be opened.
    public struct Result: Sendable {
        public var capture: InterfaceCapture
        public var spoolFile: String?
        /// Frames written to the spool file.
        public var frameCount: Int
    }
}
