import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private temporary directory (mode 0700, under `$TMPDIR`, else /var/tmp: frames belong on disk, not in
/// a RAM-backed /tmp) for a live capture's spool files, removed with everything in it when its owner goes.
public final class CaptureSpoolDirectory: Sendable {
    public let path: String

    public init() throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/tmp"
        var template = Array("\(base)/vnetaudit-capture-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw PcapError(operation: "create a capture directory in \(base)", message: String(cString: strerror(errno)))
        }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
