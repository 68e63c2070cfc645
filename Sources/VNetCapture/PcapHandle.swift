import CPcap
import VNetPackets
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A libpcap failure, with the operation that failed and libpcap's own message.
public struct PcapError: Error, CustomStringConvertible, Equatable, Sendable {
    public let operation: String
    public let message: String
    public var description: String { "\(operation): \(message)" }
}

/// Kernel and interface counters of a live capture (`pcap_stats`).
public struct CaptureStatistics: Equatable, Sendable {
    public var received: UInt64
    public var droppedByKernel: UInt64
    public var droppedByInterface: UInt64
}

/// Owner of one `pcap_t`: a live capture on an interface or a saved capture file. Closed in
/// deinit; every libpcap return code becomes a `PcapError` here and nowhere else.
public final class PcapHandle: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The stdio buffer of an offline file: libpcap reads through it, so it lives as long as the handle.
    private let fileBuffer: UnsafeMutablePointer<CChar>?
    /// Live captures are non-blocking and waited on with poll(2) on this descriptor; -1 offline.
    private let selectableDescriptor: Int32
    private let stopped = Atomic<Bool>(false)

    /// The link-layer header type (`DLT_EN10MB` = 1 for Ethernet, 113 for Linux cooked capture).
    public let linkType: Int32
    /// Nanoseconds per unit of the timestamps' fraction: 1 with nanosecond precision, 1000 when the
    /// handle could only give microseconds.
    private let fractionScale: UInt64

    private init(handle: OpaquePointer, fileBuffer: UnsafeMutablePointer<CChar>?, selectableDescriptor: Int32 = -1) {
        self.handle = handle
        self.fileBuffer = fileBuffer
        self.selectableDescriptor = selectableDescriptor
        self.linkType = pcap_datalink(handle)
        self.fractionScale = pcap_get_tstamp_precision(handle) == Int32(PCAP_TSTAMP_PRECISION_NANO) ? 1 : 1000
    }

    /// True when timestamps carry nanoseconds (false: microseconds, scaled to nanoseconds).
    public var hasNanosecondTimestamps: Bool { fractionScale == 1 }

    deinit {
        pcap_close(handle)
        fileBuffer?.deallocate()
    }

    /// Opens a pcap or pcapng file with nanosecond timestamps, read through a 1 MiB stdio buffer
    /// (libpcap's own reader issues 4 KiB reads, markedly slower on large files).
    public static func openOffline(path: String) throws -> PcapHandle {
        guard let file = fopen(path, "rb") else {
            throw PcapError(operation: "open \(path)", message: String(cString: strerror(errno)))
        }
        let size = 1 << 20
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
        setvbuf(file, buffer, _IOFBF, size)
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let h = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            fclose(file)
            buffer.deallocate()
            throw PcapError(operation: "read \(path)", message: Self.text(errbuf))
        }
        return PcapHandle(handle: h, fileBuffer: buffer)
    }

    /// Starts a live capture. `bufferSize` is the kernel ring in bytes: big enough for bursts.
    /// `immediate` delivers every frame at once, but on Linux libpcap then uses TPACKET_V2, one
    /// snap-length slot per frame (about 128 frames in 32 MiB at the default snap length); without it
    /// TPACKET_V3 packs frames into blocks handed over after `blockTimeoutMilliseconds`.
    public static func openLive(interface: String, snapshotLength: Int32 = 262_144, bufferSize: Int32 = 8 << 20,
                                promiscuous: Bool = true, immediate: Bool = true,
                                blockTimeoutMilliseconds: Int32 = 100) throws -> PcapHandle {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let h = pcap_create(interface, &errbuf) else {
            throw PcapError(operation: "capture on \(interface)", message: text(errbuf))
        }
        let configured = [
            pcap_set_snaplen(h, snapshotLength),
            pcap_set_promisc(h, promiscuous ? 1 : 0),
            pcap_set_buffer_size(h, bufferSize),
            pcap_set_immediate_mode(h, immediate ? 1 : 0),
            pcap_set_timeout(h, blockTimeoutMilliseconds),
        ]
        if configured.contains(where: { $0 != 0 }) {
            pcap_close(h)
            throw PcapError(operation: "configure capture on \(interface)", message: "libpcap refused a setting")
        }
        // Nanoseconds where the kernel gives them; otherwise libpcap keeps microseconds, which next()
        // scales, so a refusal here costs precision, not the capture.
        _ = pcap_set_tstamp_precision(h, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let status = pcap_activate(h)
        if status < 0 {
            let message = String(cString: pcap_geterr(h))
            pcap_close(h)
            throw PcapError(operation: "capture on \(interface)", message: message.isEmpty ? String(cString: pcap_statustostr(status)) : message)
        }
        // Non-blocking, waited on with our own poll: libpcap's blocking read on Linux does not
        // return on its timeout, and a poll we own can also watch for stop() and many interfaces.
        var errbuf2 = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        let fd = pcap_get_selectable_fd(h)
        guard fd >= 0, pcap_setnonblock(h, 1, &errbuf2) == 0 else {
            pcap_close(h)
            throw PcapError(operation: "capture on \(interface)", message: "no pollable descriptor")
        }
        return PcapHandle(handle: h, fileBuffer: nil, selectableDescriptor: fd)
    }

    /// Compiles and installs a BPF filter (tcpdump syntax).
    public func setFilter(_ expression: String) throws {
        var program = bpf_program()
        guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw PcapError(operation: "compile filter '\(expression)'", message: lastError)
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw PcapError(operation: "install filter '\(expression)'", message: lastError)
        }
    }

    public enum NextResult: Equatable, Sendable {
        case packet(CapturedFrame)
        /// Live capture: no packet within the read timeout.
        case timeout
        /// End of file, or `stop()` was called.
        case end
    }

    /// The next packet. Live: waits up to `timeoutMilliseconds` and answers `.timeout` when nothing
    /// came. Offline: a truncated or corrupt file ends in a `PcapError` naming libpcap's reason.
    public func next(timeoutMilliseconds: Int32 = 100) throws -> NextResult {
        var frame: CapturedFrame?
        let status = try read(timeoutMilliseconds: timeoutMilliseconds) { header, data in
            let h = header.pointee
            frame = CapturedFrame(timestampNanoseconds: timestamp(of: h), originalLength: Int(h.len),
                                  bytes: Array(UnsafeBufferPointer(start: data, count: Int(h.caplen))))
        }
        switch status {
        case .packet: return frame.map(NextResult.packet) ?? .timeout
        case .timeout: return .timeout
        case .end: return .end
        }
    }

    enum ReadStatus { case packet, timeout, end }

    /// The next packet handed to `body` in libpcap's own buffer (valid only during the call), so a
    /// capture that only passes frames on (to a spool file) copies nothing. Waits as `next()` does.
    func read(timeoutMilliseconds: Int32,
              _ body: (UnsafePointer<pcap_pkthdr>, UnsafePointer<UInt8>) -> Void) throws -> ReadStatus {
        var waited = false
        while true {
            if stopped.load(ordering: .relaxed) { return .end }
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            let status = pcap_next_ex(handle, &header, &data)
            switch status {
            case 1:
                guard let header, let data else { return .timeout }
                body(header, data)
                return .packet
            case 0:
                guard selectableDescriptor >= 0, !waited else { return .timeout }
                var fds = pollfd(fd: selectableDescriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&fds, 1, timeoutMilliseconds)
                if ready < 0 && errno != EINTR {
                    throw PcapError(operation: "wait for packets", message: String(cString: strerror(errno)))
                }
                if ready > 0 && fds.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && fds.revents & Int16(POLLIN) == 0 {
                    throw PcapError(operation: "wait for packets", message: "the interface went away")
                }
                waited = true
            case PCAP_ERROR_BREAK:
                return .end
            default:
                throw PcapError(operation: "read packet", message: lastError)
            }
        }
    }

    /// A header's timestamp in nanoseconds since the epoch, whatever the handle's precision.
    func timestamp(of header: pcap_pkthdr) -> UInt64 {
        UInt64(max(0, header.ts.tv_sec)) &* 1_000_000_000 &+ UInt64(max(0, header.ts.tv_usec)) &* fractionScale
    }

    /// Opens a pcap file at `path` written with this handle's link type, snap length and timestamp
    /// precision, through `file` (the caller's stdio stream); for `CaptureSpoolFile`.
    func dumpFile(_ file: UnsafeMutablePointer<FILE>) throws -> OpaquePointer {
        guard let dumper = pcap_dump_fopen(handle, file) else {
            throw PcapError(operation: "write capture file", message: lastError)
        }
        return dumper
    }

    /// Makes `next()` return `.end` from now on; callable from any thread (a Ctrl-C handler, a link
    /// watcher that saw the interface vanish).
    public func stop() {
        stopped.store(true, ordering: .relaxed)
        pcap_breakloop(handle)
    }

    public func statistics() throws -> CaptureStatistics {
        var s = pcap_stat()
        guard pcap_stats(handle, &s) == 0 else {
            throw PcapError(operation: "statistics", message: lastError)
        }
        return CaptureStatistics(received: UInt64(s.ps_recv), droppedByKernel: UInt64(s.ps_drop),
                                 droppedByInterface: UInt64(s.ps_ifdrop))
    }

    private var lastError: String { String(cString: pcap_geterr(handle)) }

    private static func text(_ errbuf: [CChar]) -> String {
        String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Owner of a pcap file being written (`pcap_dump_open` on a dead handle of the given link type),
/// for the evidence files reports point to. Flushed and closed in deinit.
public final class PcapWriter {
    private let dead: OpaquePointer
    private var dumper: OpaquePointer?

    public init(path: String, linkType: Int32 = 1, snapshotLength: Int32 = 262_144) throws {
        guard let d = pcap_open_dead_with_tstamp_precision(linkType, snapshotLength, UInt32(PCAP_TSTAMP_PRECISION_NANO)) else {
            throw PcapError(operation: "create \(path)", message: "pcap_open_dead failed")
        }
        guard let w = pcap_dump_open(d, path) else {
            let message = String(cString: pcap_geterr(d))
            pcap_close(d)
            throw PcapError(operation: "create \(path)", message: message)
        }
        dead = d
        dumper = w
    }

    public func write(_ packet: CapturedFrame) {
        guard let dumper else { return }
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(packet.timestampNanoseconds / 1_000_000_000)
        header.ts.tv_usec = Int(packet.timestampNanoseconds % 1_000_000_000)
        header.caplen = UInt32(packet.bytes.count)
        header.len = UInt32(max(packet.originalLength, packet.bytes.count))
        packet.bytes.withUnsafeBufferPointer { buf in
            withUnsafePointer(to: &header) { h in
                pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), h, buf.baseAddress)
            }
        }
    }

    public func flush() throws {
        guard let dumper, pcap_dump_flush(dumper) == 0 else {
            throw PcapError(operation: "flush", message: dumper == nil ? "already closed" : String(cString: strerror(errno)))
        }
    }

    /// Flushes and closes the file now (before a rename, say); later writes are ignored.
    public func close() throws {
        defer {
            if let dumper { pcap_dump_close(dumper) }
            dumper = nil
        }
        try flush()
    }

    deinit {
        if let dumper { pcap_dump_close(dumper) }
        pcap_close(dead)
    }
}
