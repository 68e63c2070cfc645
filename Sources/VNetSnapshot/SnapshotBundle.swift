import Foundation
import VNetModel

/// Bundle layout: `DIR/manifest.json`, `DIR/host.json` (the model, `ModelJSON`), `DIR/raw/<bundlePath>`
/// for every raw source, and `DIR/captures/<name>` for captured traffic (`snapshot --capture`). See
/// docs/model.md.
public enum SnapshotBundle {
    public static let formatName = "vnetaudit-snapshot"
    public static let formatVersion = 1
    static let manifestFile = "manifest.json"
    static let hostFile = "host.json"
    static let rawFolder = "raw/"
    static let capturesFolder = "captures/"

    /// Writes the bundle into a sibling `DIR.tmp-XXXX` and renames it into place, so `dir` is either
    /// absent, the previous bundle, or the complete new one. `dir` may be missing, an empty
    /// directory, or an older snapshot (replaced); anything else is refused.
    /// - Parameter captures: files for `captures/` (pcaps and their summary), checksummed like the rest.
    public static func write(host: HostState, raw: [RawSource], captures: [Snapshot.CaptureFile] = [], toolVersion: String,
                             created: Date = Date(), to dir: URL) throws {
        let files = try bundleFiles(host: host, raw: raw, captures: captures)
        let manifest = SnapshotManifest(
            format: formatName, formatVersion: formatVersion, toolVersion: toolVersion,
            created: Date(timeIntervalSince1970: created.timeIntervalSince1970.rounded(.down)),
            hostname: host.hostname, modelSchemaVersion: host.schemaVersion,
            files: files.map { SnapshotManifest.File(path: $0.path, size: $0.contents.count,
                                                     sha256: SHA256.hex($0.contents), origin: $0.origin) })
        let manifestData = try ModelJSON.encoder().encode(manifest)
        let replacing = try existingSnapshot(at: dir)

        let fm = FileManager.default
        let temporary = URL(fileURLWithPath: dir.path + ".tmp-" + randomSuffix())
        do {
            try fm.createDirectory(at: temporary, withIntermediateDirectories: true)
            for file in files + [(path: manifestFile, contents: manifestData, origin: nil)] {
                let url = temporary.appendingPathComponent(file.path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try file.contents.write(to: url)
            }
            if replacing {
                let old = URL(fileURLWithPath: dir.path + ".old-" + randomSuffix())
                try fm.moveItem(at: dir, to: old)
                try fm.moveItem(at: temporary, to: dir)
                try? fm.removeItem(at: old)
            } else {
                if fm.fileExists(atPath: dir.path) { try fm.removeItem(at: dir) }  // an empty directory
                try fm.moveItem(at: temporary, to: dir)
            }
        } catch {
            try? fm.removeItem(at: temporary)
            throw SnapshotError(.ioFailure, file: dir.path, "cannot write the snapshot: \(error.localizedDescription)")
        }
    }

    /// Reads and verifies a bundle: format and version, every file's presence, size and SHA-256, then
    /// decodes host.json. Any damage is a `SnapshotError` naming the file.
    public static func read(from dir: URL) throws -> Snapshot {
        let manifest = try readManifest(dir)
        var seen = Set<String>()
        for file in manifest.files {
            guard BundlePath.isValid(file.path), seen.insert(file.path).inserted,
                  file.path == hostFile || file.path.hasPrefix(rawFolder) || file.path.hasPrefix(capturesFolder) else {
                throw SnapshotError(.invalidPath, file: dir.appendingPathComponent(manifestFile).path,
                                    "file entry '\(file.path)' is not a host.json, raw/ or captures/ path, or is listed twice")
            }
        }
        guard let hostEntry = manifest.file(hostFile) else {
            throw SnapshotError(.missingFile, file: dir.appendingPathComponent(hostFile).path, "not listed in the manifest")
        }
        let hostData = try verifiedContents(of: hostEntry, in: dir)
        let host: HostState
        do {
            host = try ModelJSON.decoder().decode(HostState.self, from: hostData)
        } catch {
            throw SnapshotError(.invalidJSON, file: dir.appendingPathComponent(hostFile).path,
                                JSONDecodingFailure.describe(error, in: hostData))
        }
        guard host.schemaVersion <= HostState.currentSchemaVersion else {
            throw SnapshotError(.unsupportedVersion, file: dir.appendingPathComponent(hostFile).path,
                                "model schema version \(host.schemaVersion) is newer than this vnetaudit reads (\(HostState.currentSchemaVersion))")
        }
        let raw = try manifest.files.filter { $0.path.hasPrefix(rawFolder) }.map { entry in
            RawSource(bundlePath: String(entry.path.dropFirst(rawFolder.count)), origin: entry.origin ?? entry.path,
                      contents: try verifiedContents(of: entry, in: dir))
        }
        let captures = try manifest.files.filter { $0.path.hasPrefix(capturesFolder) }.map { entry in
            Snapshot.CaptureFile(name: String(entry.path.dropFirst(capturesFolder.count)), contents: try verifiedContents(of: entry, in: dir))
        }
        return Snapshot(manifest: manifest, host: host, raw: raw.sorted { $0.bundlePath < $1.bundlePath },
                        captures: captures.sorted { $0.name < $1.name })
    }

    // MARK: writing

    private static func bundleFiles(host: HostState, raw: [RawSource], captures: [Snapshot.CaptureFile]) throws
        -> [(path: String, contents: Data, origin: String?)] {
        var seen = Set<String>()
        var files: [(path: String, contents: Data, origin: String?)] = []
        for source in raw {
            guard BundlePath.isValid(source.bundlePath), seen.insert(source.bundlePath).inserted else {
                throw SnapshotError(.invalidPath, file: source.origin,
                                    "raw source path '\(source.bundlePath)' is not a relative path inside the bundle, or is used twice")
            }
            files.append((rawFolder + source.bundlePath, source.contents, source.origin))
        }
        for capture in captures {
            guard BundlePath.isValid(capture.name), seen.insert(capturesFolder + capture.name).inserted else {
                throw SnapshotError(.invalidPath, file: capture.name,
                                    "capture file name '\(capture.name)' is not a relative path inside the bundle, or is used twice")
            }
            files.append((capturesFolder + capture.name, capture.contents, nil))
        }
        do {
            files.append((hostFile, try ModelJSON.encoder().encode(host), nil))
        } catch {
            throw SnapshotError(.ioFailure, file: hostFile, "cannot encode the model: \(error)")
        }
        return files.sorted { $0.path < $1.path }
    }

    /// true when `dir` holds a snapshot (to be replaced); false when it is absent or an empty directory.
    private static func existingSnapshot(at dir: URL) throws -> Bool {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: dir.path, isDirectory: &isDirectory) else { return false }
        guard isDirectory.boolValue else {
            throw SnapshotError(.notASnapshot, file: dir.path, "exists and is not a directory; not overwritten")
        }
        let entries = (try? fm.contentsOfDirectory(atPath: dir.path)) ?? []
        if entries.isEmpty { return false }
        guard let data = fm.contents(atPath: dir.appendingPathComponent(manifestFile).path),
              (try? ModelJSON.decoder().decode(ManifestHeader.self, from: data))?.format == formatName else {
            throw SnapshotError(.notASnapshot, file: dir.path, "is a non-empty directory that is not a snapshot; not overwritten")
        }
        return true
    }

    private static func randomSuffix() -> String {
        String((0..<8).map { _ in "0123456789abcdef".randomElement() ?? "0" })
    }

    // MARK: reading

    /// The version is checked before the rest is decoded, so a newer bundle says "unsupported version"
    /// rather than failing on some field it added.
    private static func readManifest(_ dir: URL) throws -> SnapshotManifest {
        let url = dir.appendingPathComponent(manifestFile)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SnapshotError(.notASnapshot, file: dir.path, "not a snapshot: no \(manifestFile)")
        }
        let header: ManifestHeader
        do {
            header = try ModelJSON.decoder().decode(ManifestHeader.self, from: data)
        } catch {
            throw SnapshotError(.invalidJSON, file: url.path, JSONDecodingFailure.describe(error, in: data))
        }
        guard header.format == formatName else {
            throw SnapshotError(.notASnapshot, file: url.path, "not a \(formatName) manifest (format: \(header.format ?? "none"))")
        }
        guard let version = header.formatVersion, version == formatVersion else {
            throw SnapshotError(.unsupportedVersion, file: url.path,
                                "format version \(header.formatVersion.map(String.init) ?? "none") is not supported (this vnetaudit reads \(formatVersion))")
        }
        do {
            return try ModelJSON.decoder().decode(SnapshotManifest.self, from: data)
        } catch {
            throw SnapshotError(.invalidJSON, file: url.path, JSONDecodingFailure.describe(error, in: data))
        }
    }

    /// The two fields every version of the manifest keeps.
    private struct ManifestHeader: Decodable {
        var format: String?
        var formatVersion: Int?
    }

    private static func verifiedContents(of entry: SnapshotManifest.File, in dir: URL) throws -> Data {
        let url = dir.appendingPathComponent(entry.path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SnapshotError(.missingFile, file: url.path, "listed in the manifest but missing or unreadable")
        }
        guard data.count == entry.size else {
            throw SnapshotError(.sizeMismatch, file: url.path,
                                "\(data.count < entry.size ? "truncated" : "grown"): \(data.count) bytes, the manifest says \(entry.size)")
        }
        let digest = SHA256.hex(data)
        guard digest == entry.sha256 else {
            throw SnapshotError(.checksumMismatch, file: url.path, "checksum mismatch: sha256 \(digest), the manifest says \(entry.sha256)")
        }
        return data
    }
}
