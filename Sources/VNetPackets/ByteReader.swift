import VNetModel

extension DecodeIssue: Error {}

/// A bounds-checked cursor over one layer's bytes, in the spirit of tcpdump's GET_BE_U_2: every read is
/// checked, and a read that does not fit says why. Reading past the captured bytes is `.truncated` (snap
/// length, a cut file); reading past the length the packet's own headers declare is `.malformed`, since
/// the fields contradict each other whatever the capture kept.
///
/// Borrowed over the frame's bytes for the length of one `decode` call; never escapes it.
struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    let layer: PacketLayer
    /// Where this layer starts in the frame.
    let start: Int
    /// Where the packet's length fields say this layer's bytes end; nil when nothing says (link layers,
    /// an IPv4 total length of 0 from TCP segmentation offload).
    let declaredEnd: Int?
    /// The end of what may be read: the captured end, or the declared end when it comes first.
    let end: Int
    private(set) var position: Int

    /// A reader over a whole frame, for its first layer.
    init(frame bytes: UnsafeRawBufferPointer, layer: PacketLayer) {
        self.init(bytes, layer: layer, start: 0, declaredEnd: nil)
    }

    private init(_ bytes: UnsafeRawBufferPointer, layer: PacketLayer, start: Int, declaredEnd: Int?) {
        self.bytes = bytes
        self.layer = layer
        self.start = start
        self.declaredEnd = declaredEnd
        self.end = min(bytes.count, declaredEnd ?? bytes.count)
        self.position = start
    }

    /// A reader for the next layer, starting here. `declaredLength` is what the next layer's enclosing
    /// header says it spans (never past this layer's own declared end); nil keeps this layer's.
    func next(_ layer: PacketLayer, declaredLength: Int? = nil) -> ByteReader {
        var declared = declaredEnd
        if let declaredLength {
            let proposed = position + max(0, declaredLength)
            declared = min(declared ?? proposed, proposed)
        }
        return ByteReader(bytes, layer: layer, start: position, declaredEnd: declared)
    }

    /// Bytes from here to the declared end, or to the captured end when nothing is declared.
    var declaredRemaining: Int { (declaredEnd ?? bytes.count) - position }

    /// True when the packet declares at least `count` more bytes here (or declares nothing), so an optional
    /// field is expected: reading it then fails as truncated, not silently.
    func declares(_ count: Int) -> Bool { count <= declaredRemaining }

    /// How far into this layer the cursor is.
    var offset: Int { position - start }

    /// Checks that `count` bytes can be read here, or says why not. The check is inlined into every
    /// read; building the issue is not.
    @inline(__always)
    func require(_ count: Int) throws(DecodeIssue) {
        if count >= 0, count <= end - position { return }
        throw shortfall(count)
    }

    @inline(never)
    private func shortfall(_ count: Int) -> DecodeIssue {
        if count < 0 { return .malformed(layer: layer, reason: "negative length") }
        if let declaredEnd, count > declaredEnd - position {
            return .malformed(layer: layer, reason: "field runs past the length the headers declare")
        }
        return .truncated(layer: layer, needed: position - start + count, available: bytes.count - start)
    }

    mutating func skip(_ count: Int) throws(DecodeIssue) {
        try require(count)
        position += count
    }

    /// Moves to an offset within this layer already read (DNS compression pointers).
    mutating func seek(toOffset offset: Int) throws(DecodeIssue) {
        guard offset >= 0, offset <= end - start else {
            throw .malformed(layer: layer, reason: "offset points outside the layer")
        }
        position = start + offset
    }

    mutating func u8() throws(DecodeIssue) -> UInt8 {
        try require(1)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() throws(DecodeIssue) -> UInt16 {
        try require(2)
        defer { position += 2 }
        return UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt16.self))
    }

    mutating func u32() throws(DecodeIssue) -> UInt32 {
        try require(4)
        defer { position += 4 }
        return UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func u64() throws(DecodeIssue) -> UInt64 {
        try require(8)
        defer { position += 8 }
        return UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    mutating func mac() throws(DecodeIssue) -> MACAddress {
        try require(6)
        let high = try u16()
        let low = try u32()
        return MACAddress(value: UInt64(high) << 32 | UInt64(low))
    }

    mutating func ipv4() throws(DecodeIssue) -> IPAddress { IPAddress(ipv4: try u32()) }

    mutating func ipv6() throws(DecodeIssue) -> IPAddress {
        try require(16)
        let high = try u64()
        return IPAddress(ipv6High: high, low: try u64())
    }

    /// The next byte, without moving.
    func peek() throws(DecodeIssue) -> UInt8 {
        try require(1)
        return bytes[position]
    }
}
