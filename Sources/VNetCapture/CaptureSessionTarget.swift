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

    /// How much a live capture may hold. Bursts are absorbed by the kernel's ring (`kernelBufferBytes`,
    /// per interface); the frames kept in memory are capped by `keptBytesPerInterface`, and frames past
    /// that cap are counted as `droppedByBuffer`, so memory stays bounded however long the capture runs.
    public struct Limits: Sendable, Hashable {
        public var snapshotLength: Int32
        public var kernelBufferBytes: Int32
        public var keptBytesPerInterface: Int

        public init(snapshotLength: Int32 = 262_144, kernelBufferBytes: Int32 = 32 << 20,
                    keptBytesPerInterface: Int = 128 << 20) {
            self.snapshotLength = snapshotLength
            self.kernelBufferBytes = kernelBufferBytes
            self.keptBytesPerInterface = keptBytesPerInterface
        }
    }
}
