import VNetModel

/// A snapshot: the model of one host plus the raw files it was built from, checked on reading.
public struct Snapshot: Sendable {
    public var manifest: SnapshotManifest
    public var host: HostState
    /// Sorted by bundle path; origins as recorded in the manifest.
    public var raw: [RawSource]

    public init(manifest: SnapshotManifest, host: HostState, raw: [RawSource]) {
        self.manifest = manifest
        self.host = host
        self.raw = raw
    }
}
