import Foundation

/// `manifest.json` of a snapshot bundle: what wrote it, when, and every file with its size and SHA-256,
/// so a bundle that was truncated, edited or partly copied is refused instead of half-read.
public struct SnapshotManifest: Codable, Equatable, Sendable {
    public struct File: Codable, Equatable, Sendable {
        /// Path inside the bundle: `host.json` or `raw/<bundlePath>`.
        public var path: String
        public var size: Int
        /// Lowercase hex SHA-256 of the contents.
        public var sha256: String
        /// Where a raw file came from on the host (`RawSource.origin`); nil for host.json.
        public var origin: String?

        public init(path: String, size: Int, sha256: String, origin: String? = nil) {
            self.path = path
            self.size = size
            self.sha256 = sha256
            self.origin = origin
        }
    }

    /// Always `SnapshotBundle.formatName`.
    public var format: String
    /// `SnapshotBundle.formatVersion` of the writer; readers refuse versions they do not know.
    public var formatVersion: Int
    /// vnetaudit version that wrote the bundle.
    public var toolVersion: String
    public var created: Date
    public var hostname: String
    /// `HostState.schemaVersion` of host.json.
    public var modelSchemaVersion: Int
    /// Sorted by path.
    public var files: [File]

    public init(format: String, formatVersion: Int, toolVersion: String, created: Date, hostname: String,
                modelSchemaVersion: Int, files: [File]) {
        self.format = format
        self.formatVersion = formatVersion
        self.toolVersion = toolVersion
        self.created = created
        self.hostname = hostname
        self.modelSchemaVersion = modelSchemaVersion
        self.files = files
    }

    public func file(_ path: String) -> File? { files.first { $0.path == path } }
}
