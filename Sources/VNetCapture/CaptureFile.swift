import Foundation
import VNetPackets
#if canImport(Glibc)
import Glibc
#endif

/// A saved capture that cannot be used, naming the file: unreadable, not a capture, corrupt records,
/// or a link type the decoders do not read.
public struct CaptureFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let reason: String
    public var description: String { "\(file): \(reason)" }
}

/// Whole pcap files in and out: saved captures read as `InterfaceCapture`s, and frames written as
/// evidence or bundle files, atomically.
public enum CaptureFile {
    /// What reading a file gave: the capture, and whether its last record was cut short (a capture
    /// killed while writing). The frames before the cut are kept; the cut record is counted, not fatal.
    public struct Contents: Sendable {
        public var capture: InterfaceCapture
        public var truncatedLastRecord: Bool
    }

    /// Reads `path` as the capture of `interface`. A file whose header or a record is corrupt, or
    /// whose link type is not decodable, throws `CaptureFileError` naming the file.
    public static func read(path: String, interface: String) throws -> Contents {
        let handle: PcapHandle
        do {
            handle = try PcapHandle.openOffline(path: path)
        } catch let error as PcapError {
            throw CaptureFileError(file: path, reason: error.message)
        }
        guard let linkType = LinkType(rawValue: handle.linkType) else {
            throw CaptureFileError(file: path, reason: "link type \(handle.linkType) is not one vnetaudit decodes (Ethernet, raw IP, Linux cooked)")
        }
        var frames: [CapturedFrame] = []
        var truncated = false
        reading: while true {
            do {
                switch try handle.next() {
                case .packet(let p): frames.append(p)
                case .end, .timeout: break reading
                }
            } catch let error as PcapError {
                // libpcap says "truncated dump file" when the file ends inside a record; anything else
                // (an impossible record length...) is a corrupt file.
                guard error.message.contains("truncated") else {
                    throw CaptureFileError(file: path, reason: "corrupt after \(frames.count) records: \(error.message)")
                }
                truncated = true
                break reading
            }
        }
        let first = frames.first?.timestampNanoseconds ?? 0
        let last = frames.last?.timestampNanoseconds ?? first
        return Contents(capture: InterfaceCapture(interface: interface, linkType: linkType, frames: frames, counters: nil,
                                                  startedAtNanoseconds: first, endedAtNanoseconds: last,
                                                  end: .completed, source: path),
                        truncatedLastRecord: truncated)
    }

    /// Writes `frames` as a nanosecond pcap file of `linkType` at `path`, through a temporary file in the
    /// same directory renamed into place: `path` is either absent, the old file, or the complete new one.
    public static func write(_ frames: [CapturedFrame], linkType: LinkType, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/." + (path as NSString).lastPathComponent
            + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            let writer = try PcapWriter(path: temporary, linkType: linkType.rawValue)
            for frame in frames { writer.write(frame) }
            try writer.close()
        } catch let error as PcapError {
            unlink(temporary)
            throw CaptureFileError(file: path, reason: error.message)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CaptureFileError(file: path, reason: "cannot move into place: \(reason)")
        }
    }
}
