/// A key a `CompactTable` can hold: equality and a cheap 64-bit mix of its words.
protocol CompactKey: Equatable, Sendable {
    var mix: UInt64 { get }
}

/// An open-addressing map for the tables every packet touches (flows, senders): a multiply-xorshift mix
/// instead of SipHash; slots of one word (a tag of the hash and the entry's number), small enough to stay
/// in cache, probed linearly and half full at most; entries (key beside value, so one cache line answers
/// both) in one dense array in the order they were added, so results never depend on hashing.
struct CompactTable<Key: CompactKey, Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        let key: Key
        var value: Value
    }

    /// 0: empty; else the hash's high half << 32 | (entry number + 1).
    private var slots: [UInt64]
    private var mask: Int
    private var entryList: [Entry] = []

    init() {
        slots = [UInt64](repeating: 0, count: 256)
        mask = 255
    }

    var count: Int { entryList.count }

    /// Every entry, in the order added.
    var entries: [(key: Key, value: Value)] { entryList.map { ($0.key, $0.value) } }
    var values: [Value] { entryList.map(\.value) }

    func value(for key: Key) -> Value? {
        find(key).number.map { entryList[$0].value }
    }

    /// Changes the value of `key` in place; false when the table has no such key.
    mutating func update(_ key: Key, _ change: (inout Value) -> Void) -> Bool {
        guard let n = find(key).number else { return false }
        change(&entryList[n].value)
        return true
    }

    /// Adds `key` (not present) with `value`.
    mutating func insert(_ key: Key, _ value: Value) {
        let (slot, hash, _) = find(key)
        slots[slot] = Self.word(hash, entryList.count)
        entryList.append(Entry(key: key, value: value))
        if entryList.count * 2 > slots.count { grow() }
    }

    /// Changes every value in place.
    mutating func updateAll(_ change: (inout Value) -> Void) {
        for i in entryList.indices { change(&entryList[i].value) }
    }

    /// The entry number of `key` if present, and its slot (or the empty one where it would go).
    private func find(_ key: Key) -> (slot: Int, hash: UInt64, number: Int?) {
        let hash = Self.spread(key.mix)
        let tag = hash >> 32
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let word = slots[i]
            if word == 0 { return (i, hash, nil) }
            let n = Int(word & 0xffff_ffff) - 1
            if word >> 32 == tag && entryList[n].key == key { return (i, hash, n) }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for n in entryList.indices {
            let hash = Self.spread(entryList[n].key.mix)
            var i = Int(truncatingIfNeeded: hash) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Self.word(hash, n)
        }
    }

    private static func word(_ hash: UInt64, _ number: Int) -> UInt64 {
        (hash >> 32) << 32 | UInt64(truncatingIfNeeded: number + 1) & 0xffff_ffff
    }

    /// Final avalanche of a mix (splitmix64's), so that nearby keys land far apart.
    private static func spread(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
