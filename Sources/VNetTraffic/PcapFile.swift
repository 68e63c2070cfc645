import VNetPackets

/// The classic pcap file format (not pcapng) in pure Swift: read a saved capture and write evidence files
/// Wireshark opens, without libpcap (its wrapper lives in VNetCapture, which judgement must not need).
public enum PcapFile {
    public enum ReadError: Error, Equatable, CustomStringConvertible {
        case tooShort
        case notPcap(magic: UInt32)
        case unsupportedLinkType(UInt32)

        public var description: String {
            switch self {
            case .tooShort: return "shorter than a pcap file header (24 bytes)"
            case .notPcap(let magic): return "not a classic pcap file (magic 0x\(String(magic, radix: 16)); pcapng is not read here)"
            case .unsupportedLinkType(let t): return "link type \(t) is not one the decoders read"
            }
        }
    }

    /// The frames of a pcap file and what it says about itself. A record cut short by the end of the file
    /// ends the reading and sets `truncatedAtEnd` (a capture killed mid-write), it is not an error.
    public struct Contents: Sendable {
        public var linkType: LinkType
        public var snapLength: Int
        public var frames: [CapturedFrame]
        public var truncatedAtEnd: Bool
    }

    private static let microMagic: UInt32 = 0xa1b2_c3d4
    private static let nanoMagic: UInt32 = 0xa1b2_3c4d

    /// What a file's 24-byte header says: byte order, timestamp resolution and link type.
    static func header(_ bytes: [UInt8]) throws -> (linkType: LinkType, snapLength: Int, bigEndian: Bool, nanos: Bool) {
        guard bytes.count >= 24 else { throw ReadError.tooShort }
        let big = word(bytes, 0, bigEndian: true)
        let little = word(bytes, 0, bigEndian: false)
        let bigEndian: Bool, nanos: Bool
        switch (big, little) {
        case (microMagic, _): (bigEndian, nanos) = (true, false)
        case (nanoMagic, _): (bigEndian, nanos) = (true, true)
        case (_, microMagic): (bigEndian, nanos) = (false, false)
        case (_, nanoMagic): (bigEndian, nanos) = (false, true)
        default: throw ReadError.notPcap(magic: little)
        }
        let snap = Int(word(bytes, 16, bigEndian: bigEndian))
        let rawLink = word(bytes, 20, bigEndian: bigEndian) & 0x0fff_ffff
        guard let linkType = Int32(exactly: rawLink).flatMap(LinkType.init(rawValue:)) else {
            throw ReadError.unsupportedLinkType(rawLink)
        }
        return (linkType, snap, bigEndian, nanos)
    }

    public static func read(_ bytes: [UInt8]) throws -> Contents {
        let (linkType, snap, bigEndian, nanos) = try header(bytes)
        var frames: [CapturedFrame] = []
        var offset = 24
        var cut = false
        while offset < bytes.count {
            guard bytes.count - offset >= 16 else { cut = true; break }
            let seconds = UInt64(word(bytes, offset, bigEndian: bigEndian))
            let fraction = UInt64(word(bytes, offset + 4, bigEndian: bigEndian))
            let included = Int(word(bytes, offset + 8, bigEndian: bigEndian))
            let original = Int(word(bytes, offset + 12, bigEndian: bigEndian))
            offset += 16
            guard bytes.count - offset >= included else { cut = true; break }
            let stamp = seconds &* 1_000_000_000 &+ (nanos ? fraction : fraction &* 1000)
            frames.append(CapturedFrame(timestampNanoseconds: stamp, originalLength: original,
                                        bytes: Array(bytes[offset..<offset + included])))
            offset += included
        }
        return Contents(linkType: linkType, snapLength: snap, frames: frames, truncatedAtEnd: cut)
    }

    /// A nanosecond-resolution pcap file of `frames` (little endian, as libpcap writes on x86).
    public static func write(linkType: LinkType, frames: [CapturedFrame], snapLength: Int = 262_144) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(24 + frames.reduce(0) { $0 + 16 + $1.bytes.count })
        append(nanoMagic, to: &out)
        out += [2, 0, 4, 0] // version 2.4
        append(0, to: &out) // thiszone
        append(0, to: &out) // sigfigs
        append(UInt32(clamping: snapLength), to: &out)
        append(UInt32(bitPattern: linkType.rawValue), to: &out)
        for frame in frames {
            append(UInt32(truncatingIfNeeded: frame.timestampNanoseconds / 1_000_000_000), to: &out)
            append(UInt32(truncatingIfNeeded: frame.timestampNanoseconds % 1_000_000_000), to: &out)
            append(UInt32(clamping: frame.bytes.count), to: &out)
            append(UInt32(clamping: max(frame.originalLength, frame.bytes.count)), to: &out)
            out += frame.bytes
        }
        return out
    }

    /// A saved capture as judgement takes it: the file's frames as one interface's capture.
    public static func capture(interface: String, path: String, bytes: [UInt8]) throws -> InterfaceCapture {
        let contents = try read(bytes)
        let first = contents.frames.first?.timestampNanoseconds ?? 0
        let last = contents.frames.last?.timestampNanoseconds ?? first
        return InterfaceCapture(interface: interface, linkType: contents.linkType, frames: contents.frames,
                                counters: nil, startedAtNanoseconds: first, endedAtNanoseconds: last,
                                end: .completed, source: path)
    }

    private static func word(_ bytes: [UInt8], _ at: Int, bigEndian: Bool) -> UInt32 {
        let b = (0..<4).map { UInt32(bytes[at + $0]) }
        return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
    }

    private static func append(_ value: UInt32, to out: inout [UInt8]) {
        out += [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)]
    }
}
