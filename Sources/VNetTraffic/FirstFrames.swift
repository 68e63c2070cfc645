/// The numbers of up to 16 frames kept inline, in the order added. Every packet of a young flow or sender
/// adds one; a heap array here cost a growth allocation, reference counting and a cache miss per packet,
/// where this lives in the table entry beside its key.
struct FirstFrames: Sendable {
    static let capacity = 16

    private var storage: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                          UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private(set) var count = 0

    /// Adds `number` unless the list is full (then it is not kept).
    mutating func append(_ number: UInt32) {
        guard count < Self.capacity else { return }
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: number, toByteOffset: count * 4, as: UInt32.self) }
        count += 1
    }

    var numbers: [Int] {
        withUnsafeBytes(of: storage) { raw in (0..<count).map { Int(raw.load(fromByteOffset: $0 * 4, as: UInt32.self)) } }
    }
}
