import Foundation
import VNetModel

/// A snapshot: the model of one host plus the raw files it was built from, checked on reading.
public struct Snapshot: Sendable {
    public var manifest: SnapshotManifest
    public var host: HostState
    /// Sorted by bundle path; origins as recorded in the manifest.
    public var raw: [RawSource]
    /// The bundle's `captures/` files, sorted by name; empty when the snapshot captured nothing.
    public var captures: [CaptureFile]

    public init(manifest: SnapshotManifest, host: HostState, raw: [RawSource], captures: [CaptureFile] = []) {
        self.manifest = manifest
        self.host = host
        self.raw = raw
        self.captures = captures
    }

    /// One file of a bundle's `captures/` folder: an interface's pcap, or the capture's summary.
    public struct CaptureFile: Sendable, Equatable {
        /// Path inside `captures/`.
        public var name: String
        public var contents: Data

        public init(name: String, contents: Data) {
            self.name = name
            self.contents = contents
        }
    }
}
