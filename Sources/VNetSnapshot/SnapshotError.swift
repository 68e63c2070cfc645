/// Why a snapshot could not be written or read, naming the file (and, for JSON, the path inside it
/// and the line). Reading never traps on a damaged bundle; it throws one of these.
public struct SnapshotError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// No manifest, another format, or a directory that is not ours to overwrite.
        case notASnapshot
        /// A format or model version this reader does not know.
        case unsupportedVersion
        case missingFile
        /// Size differs from the manifest (truncated, or grown).
        case sizeMismatch
        case checksumMismatch
        /// manifest.json or host.json does not decode.
        case invalidJSON
        /// A path in the manifest or a raw source that is absolute, climbs out, or repeats.
        case invalidPath
        /// The file system refused (permissions, space).
        case ioFailure
    }

    public var kind: Kind
    /// The file concerned, as a path on disk.
    public var file: String
    public var detail: String

    public init(_ kind: Kind, file: String, _ detail: String) {
        self.kind = kind
        self.file = file
        self.detail = detail
    }

    public var description: String { "\(file): \(detail)" }
}
