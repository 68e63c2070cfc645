#if canImport(Glibc)
import Glibc
#endif
import VNetPackets

/// A classic pcap file read record by record through a sliding memory-mapped window (4 MiB, larger only
/// for a larger record): frames are handed over in place, neither copied out of the page cache nor kept,
/// so a file of any size costs the same memory. A record cut short by the end of the file ends the
/// reading (`truncatedAtEnd`), as `PcapFile.read` does.
final class PcapFileStream {
    let path: String
    let linkType: LinkType
    private(set) var truncatedAtEnd = false
    private let descriptor: Int32
    private let fileSize: Int
    private let bigEndian: Bool
    private let nanos: Bool
    /// No record may be longer: the file's snap length, or libpcap's largest (a longer one is corruption).
    private let recordLimit: Int
    private var records = 0
    /// The mapped part of the file: `window` holds bytes `windowStart ..< windowStart + window.count`.
    private var window = UnsafeRawBufferPointer(start: nil, count: 0)
    private var windowStart = 0
    /// File offset of the next record.
    private var position = 24

    private static let windowSize = 4 << 20
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        descriptor = fd
        guard fd >= 0 else { throw OfflineTrafficAnalysis.FileError(path: path, reason: String(cString: strerror(errno))) }
        var status = stat()
        var header = [UInt8](repeating: 0, count: 24)
        let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 24, 0) }
        let format: (linkType: LinkType, snapLength: Int, bigEndian: Bool, nanos: Bool)
        do {
            guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
                throw OfflineTrafficAnalysis.FileError(path: path, reason: "not a regular file (a streamed capture is mapped)")
            }
            format = try PcapFile.header(Array(header.prefix(max(got, 0))))
        } catch {
            close(fd)
            throw error as? OfflineTrafficAnalysis.FileError ?? OfflineTrafficAnalysis.FileError(path: path, reason: "\(error)")
        }
        fileSize = Int(status.st_size)
        (linkType, bigEndian, nanos) = (format.linkType, format.bigEndian, format.nanos)
        recordLimit = max(format.snapLength, 262_144)
    }

    deinit {
        unmap()
        close(descriptor)
    }

    /// Hands the next frame to `body` (valid only during the call); false at the end of the file.
    func next(_ body: (_ bytes: UnsafeRawBufferPointer, _ timestampNanoseconds: UInt64, _ originalLength: Int) -> Void) throws -> Bool {
        guard try available(16) else {
            truncatedAtEnd = fileSize > position
            return false
        }
        let seconds = UInt64(word(at: position)), fraction = UInt64(word(at: position + 4))
        let included = Int(word(at: position + 8)), original = Int(word(at: position + 12))
        guard included <= recordLimit else {
            throw OfflineTrafficAnalysis.FileError(path: path, reason: "corrupt after \(records) records: a record of \(included) bytes, longer than the snap length")
        }
        guard try available(16 + included) else {
            truncatedAtEnd = true
            return false
        }
        let stamp = seconds &* 1_000_000_000 &+ (nanos ? fraction : fraction &* 1000)
        let from = position + 16 - windowStart
        body(UnsafeRawBufferPointer(rebasing: window[from ..< from + included]), stamp, original)
        position += 16 + included
        records += 1
        return true
    }

    /// Whether `count` bytes from `position` are in the file; maps the window over them when they are.
    private func available(_ count: Int) throws -> Bool {
        guard position + count <= fileSize else { return false }
        guard position < windowStart || position + count > windowStart + window.count else { return true }
        unmap()
        let start = position / Self.pageSize * Self.pageSize
        let length = min(max(Self.windowSize, position + count - start), fileSize - start)
        guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, descriptor, off_t(start)),
              base != MAP_FAILED else {
            throw OfflineTrafficAnalysis.FileError(path: path, reason: "cannot map: \(String(cString: strerror(errno)))")
        }
        window = UnsafeRawBufferPointer(start: base, count: length)
        windowStart = start
        return true
    }

    private func unmap() {
        if let base = window.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), window.count) }
        window = UnsafeRawBufferPointer(start: nil, count: 0)
    }

    private func word(at offset: Int) -> UInt32 {
        let raw = window.loadUnaligned(fromByteOffset: offset - windowStart, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
    }
}
