#if canImport(Glibc)
import Glibc
#endif
import VNetPackets

/// A classic pcap file read record by record through one reused buffer (4 MiB, larger only for a larger
/// record) filled with pread(2): frames are handed over in place and not kept, so a file of any size costs
/// the same memory. (A sliding mmap window cost more in page-table work than the copy out of the page
/// cache.) A record cut short by the end of the file ends the reading (`truncatedAtEnd`), as
/// `PcapFile.read` does. Every `checkpointInterval` records the stream notes where the record starts, so a
/// second pass for a few evidence frames (`seek(toRecord:)`) skips to them instead of reading it all again.
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
    /// The number of the next record.
    private(set) var records = 0
    /// `buffer[0 ..< filled]` holds the file's bytes from `bufferStart`.
    private var buffer: UnsafeMutableRawBufferPointer
    private var bufferStart = 24
    private var filled = 0
    /// File offset of the next record.
    private var position = 24
    /// File offset of record `i * checkpointInterval`, for each such record read so far.
    private(set) var checkpoints: [Int] = []

    static let checkpointInterval = 4096
    private static let bufferSize = 4 << 20

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
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
    }

    deinit {
        buffer.deallocate()
        close(descriptor)
    }

    /// Goes back or forward to record `number`, from the checkpoint at or before it (checkpoints a
    /// previous read of the same file noted: `known`), reading through the records in between.
    func seek(toRecord number: Int, checkpoints known: [Int]) throws {
        let checkpoint = min(number / Self.checkpointInterval, known.count - 1)
        if checkpoint >= 0, number < records || checkpoint * Self.checkpointInterval > records {
            position = known[checkpoint]
            records = checkpoint * Self.checkpointInterval
            filled = 0
            bufferStart = position
        }
        while records < number, try next({ _, _, _ in }) {}
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
        if records % Self.checkpointInterval == 0 && records / Self.checkpointInterval == checkpoints.count {
            checkpoints.append(position)
        }
        let from = position + 16 - bufferStart
        body(UnsafeRawBufferPointer(rebasing: buffer[from ..< from + included]), stamp, original)
        position += 16 + included
        records += 1
        return true
    }

    /// Whether `count` bytes from `position` are in the file; brings them into the buffer when they are.
    private func available(_ count: Int) throws -> Bool {
        guard position + count <= fileSize else { return false }
        guard position < bufferStart || position + count > bufferStart + filled else { return true }
        // keep what is left from `position`, then read as much as fits after it
        let kept = position >= bufferStart && position < bufferStart + filled ? bufferStart + filled - position : 0
        if count > buffer.count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
            if kept > 0 { memcpy(larger.baseAddress!, buffer.baseAddress! + (position - bufferStart), kept) }
            buffer.deallocate()
            buffer = larger
        } else if kept > 0 {
            memmove(buffer.baseAddress!, buffer.baseAddress! + (position - bufferStart), kept)
        }
        bufferStart = position
        filled = kept
        while filled < count {
            let got = pread(descriptor, buffer.baseAddress! + filled, buffer.count - filled, off_t(bufferStart + filled))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw OfflineTrafficAnalysis.FileError(path: path, reason: got == 0 ? "the file shrank while being read"
                                                                                    : "cannot read: \(String(cString: strerror(errno)))")
            }
            filled += got
        }
        return true
    }

    private func word(at offset: Int) -> UInt32 {
        let raw = UnsafeRawBufferPointer(buffer).loadUnaligned(fromByteOffset: offset - bufferStart, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
    }
}
