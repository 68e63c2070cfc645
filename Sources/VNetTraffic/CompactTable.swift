/// A key a `CompactTable` can hold: equality plus a cheap 64-bit mix of its words.
protocol CompactKey: Equatable {
    var mix: UInt64 { get }
}

/// An open-addressing map from keys to dense numbers (0, 1, 2... in insertion order), for the tables
/// touched by every packet (flows, senders): a multiply-xorshift mix of a few words instead of SipHash,
/// linear probing in one array, half full at most.
struct CompactTable<Key: CompactKey>: Sendable where Key: Sendable {
    private var slots: [Int32]
    private(set) var keys: [Key] = []
    private var mask: Int

    init() {
        slots = [Int32](repeating: -1, count: 1024)
        mask = 1023
    }

    var count: Int { keys.count }

    func number(of key: Key) -> Int? {
        var i = Int(truncatingIfNeeded: Self.spread(key.mix)) & mask
        while true {
            let n = slots[i]
            if n < 0 { return nil }
            if keys[Int(n)] == key { return Int(n) }
            i = (i + 1) & mask
        }
    }

    /// Adds `key` (not present) and returns its number.
    mutating func insert(_ key: Key) -> Int {
        let number = keys.count
        keys.append(key)
        if keys.count * 2 > slots.count { grow() } else { place(number) }
        return number
    }

    private mutating func place(_ number: Int) {
        var i = Int(truncatingIfNeeded: Self.spread(keys[number].mix)) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = Int32(truncatingIfNeeded: number)
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for number in keys.indices { place(number) }
    }

    /// Final avalanche of a mix (splitmix64's), so that nearby keys land far apart.
    private static func spread(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
