import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// The pcap file a live capture writes every frame to as it arrives, as `tcpdump -w` does: memory stays
/// the same however long or busy the capture, and nothing is dropped for want of room in the process.
/// Written in the live handle's own format (link type, snap length, nanosecond stamps) through a 1 MiB
/// stdio buffer; judged afterwards by streaming it like any saved capture.
final class CaptureSpoolFile {
    let path: String
    private var file: UnsafeMutablePointer<FILE>?
    private var dumper: OpaquePointer?
    private let buffer: UnsafeMutablePointer<CChar>
    private static let bufferSize = 1 << 20

    init(path: String, for handle: PcapHandle) throws {
        self.path = path
        guard let file = fopen(path, "wbx") else {
            throw PcapError(operation: "create \(path)", message: String(cString: strerror(errno)))
        }
        buffer = .allocate(capacity: Self.bufferSize)
        setvbuf(file, buffer, _IOFBF, Self.bufferSize)
        do {
            dumper = try handle.dumpFile(file)
        } catch {
            fclose(file)
            buffer.deallocate()
            throw error
        }
        self.file = file
    }

    /// Appends one frame as libpcap handed it over.
    func write(_ header: UnsafePointer<pcap_pkthdr>, _ data: UnsafePointer<UInt8>) {
        guard let dumper else { return }
        pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), header, data)
    }

    /// Why writing failed (a full disk), once it has; nil while every write went through.
    var failure: String? {
        guard let file, ferror(file) != 0 else { return nil }
        return "cannot write \(path): " + String(cString: strerror(errno))
    }

    /// Flushes and closes the file; throws when any write failed (the frames before the failure stay
    /// readable: a streamed reader stops at a cut record).
    func close() throws {
        guard let dumper else { return }
        let flushed = pcap_dump_flush(dumper) == 0
        let failed = failure
        pcap_dump_close(dumper)
        self.dumper = nil
        file = nil
        if let failed { throw PcapError(operation: "spool", message: failed) }
        if !flushed { throw PcapError(operation: "spool", message: "cannot write \(path): " + String(cString: strerror(errno))) }
    }

    deinit {
        if let dumper { pcap_dump_close(dumper) }
        buffer.deallocate()
    }
}
