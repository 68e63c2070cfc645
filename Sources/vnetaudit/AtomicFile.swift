import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files that appear whole or not at all: the contents go to a temporary name in the target's own
/// directory (same file system, so the last step is atomic), are flushed, then take the final name.
/// A failure at any step removes the temporary file; readers never see a half-written file.
enum AtomicFile {
    /// What to do when the final name is already taken.
    enum Existing {
        /// Replace it (rename(2)): `check --output FILE`, asked for by name.
        case replace
        /// Keep it and fail (link(2) refuses an existing name): files named by the tool itself.
        case keep
    }

    struct Failure: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "\(path): \(reason)" }
    }

    /// Writes `data` to `path`, with the usual permissions (0666 less the umask), atomically.
    static func write(_ data: Data, to path: String, existing: Existing) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var template = Array(((directory.isEmpty ? "." : directory) + "/." + name + ".tmp-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw Failure(path: path, reason: "cannot create a file beside it: " + errorText()) }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var published = false
        defer { if !published { unlink(temporary) } }
        do {
            defer { close(fd) }
            try writeAll(data, to: fd, path: path)
            guard fchmod(fd, 0o666 & ~currentUmask) == 0, fsync(fd) == 0 else {
                throw Failure(path: path, reason: errorText())
            }
        }
        switch existing {
        case .replace:
            guard rename(temporary, path) == 0 else { throw Failure(path: path, reason: errorText()) }
        case .keep:
            guard link(temporary, path) == 0 else {
                throw Failure(path: path, reason: errno == EEXIST ? "exists already; not overwritten" : errorText())
            }
            unlink(temporary)
        }
        published = true
    }

    private static func writeAll(_ data: Data, to fd: Int32, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Failure(path: path, reason: errorText())
                }
                offset += written
            }
        }
    }

    /// The process umask (reading it means setting it; set straight back).
    private static var currentUmask: mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
