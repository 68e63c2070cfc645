#if canImport(Glibc)
import Glibc
#endif
import VNetPackets

/// A classic pcap file read record by record through one fixed buffer (1 MiB, larger only for a larger
/// record), so a file of any size costs the same memory; each frame is handed over in place, not copied.
/// A record cut short by the end of the file ends the reading (`truncatedAtEnd`), as `PcapFile.read` does.
final class PcapFileStream {
    let path: String
    let linkType: LinkType
    private(set) var truncatedAtEnd = false
    private let descriptor: Int32
    private let bigEndian: Bool
    private let nanos: Bool
    /// No record may be longer: the file's snap length, or libpcap's largest (a longer one is corruption).
    private let recordLimit: Int
    private var records = 0
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var atEOF = false

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        descriptor = fd
        guard fd >= 0 else { throw OfflineTrafficAnalysis.FileError(path: path, reason: String(cString: strerror(errno))) }
        var header = [UInt8](repeating: 0, count: 24)
        let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 24, 0) }
        let format: (linkType: LinkType, snapLength: Int, bigEndian: Bool, nanos: Bool)
        do {
            format = try PcapFile.header(Array(header.prefix(max(got, 0))))
        } catch {
            close(descriptor)
            throw OfflineTrafficAnalysis.FileError(path: path, reason: "\(error)")
        }
        (linkType, bigEndian, nanos) = (format.linkType, format.bigEndian, format.nanos)
        recordLimit = max(format.snapLength, 262_144)
        buffer = .allocate(byteCount: 1 << 20, alignment: 8)
        guard lseek(descriptor, 24, SEEK_SET) == 24 else {
            close(descriptor)
            buffer.deallocate()
            throw OfflineTrafficAnalysis.FileError(path: path, reason: "cannot seek past the file header")
        }
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// Hands the next frame to `body` (valid only during the call); false at the end of the file.
    func next(_ body: (_ bytes: UnsafeRawBufferPointer, _ timestampNanoseconds: UInt64, _ originalLength: Int) -> Void) throws -> Bool {
        try fill(atLeast: 16)
        guard end - start >= 16 else {
            truncatedAtEnd = end > start
            return false
        }
        let seconds = UInt64(word(at: start)), fraction = UInt64(word(at: start + 4))
        let included = Int(word(at: start + 8)), original = Int(word(at: start + 12))
        guard included <= recordLimit else {
            throw OfflineTrafficAnalysis.FileError(path: path, reason: "corrupt after \(records) records: a record of \(included) bytes, longer than the snap length")
        }
        try fill(atLeast: 16 + included)
        guard end - start >= 16 + included else {
            truncatedAtEnd = true
            return false
        }
        let stamp = seconds &* 1_000_000_000 &+ (nanos ? fraction : fraction &* 1000)
        body(UnsafeRawBufferPointer(rebasing: buffer[start + 16 ..< start + 16 + included]), stamp, original)
        start += 16 + included
        records += 1
        return true
    }

    /// Makes at least `count` unread bytes available unless the file ends first: moves the unread tail
    /// to the front, grows the buffer for a record larger than it, and reads.
    private func fill(atLeast count: Int) throws {
        guard end - start < count, !atEOF else { return }
        if start > 0 {
            let unread = end - start
            if unread > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: unread) }
            (start, end) = (0, unread)
        }
        if count > buffer.count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
            larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = larger
        }
        while end < count {
            let got = read(descriptor, buffer.baseAddress! + end, buffer.count - end)
            if got < 0 {
                if errno == EINTR { continue }
                throw OfflineTrafficAnalysis.FileError(path: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 { atEOF = true; return }
            end += got
        }
    }

    private func word(at offset: Int) -> UInt32 {
        let raw = buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
    }
}
