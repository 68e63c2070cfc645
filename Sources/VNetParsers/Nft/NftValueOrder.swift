import VNetModel

/// One order for set elements and map entries, whatever order a decoder saw them in (the kernel's
/// hash order in a netlink dump, nft's sorted order in JSON), so both decoders build equal models.
enum NftValueOrder {
    static func sorted(_ values: [MatchValue]) -> [MatchValue] {
        values.map { (key(of: $0), $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map(\.1)
    }

    static func sorted(_ entries: [VerdictMapEntry]) -> [VerdictMapEntry] {
        entries.map { (key(of: $0.key), $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map(\.1)
    }

    static func sorted(_ elements: [SetElement]) -> [SetElement] {
        elements.map { (key(of: $0.key), $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map(\.1)
    }

    /// A byte string that sorts values by kind, then numerically (numbers big-endian, fixed width).
    static func key(of value: MatchValue) -> [UInt8] {
        switch value {
        case .integer(let n): return [1] + bigEndian(n)
        case .range(let lo, let hi): return [1] + bigEndian(lo) + bigEndian(hi)
        case .maskedInteger(let v, let m): return [1] + bigEndian(v) + bigEndian(m)
        case .prefix(let p): return [2] + p.network.bytes + [UInt8(p.length)]
        case .addressRange(let lo, let hi): return [2] + lo.bytes + [255] + hi.bytes
        case .string(let s): return [3] + Array(s.utf8) + [0]
        case .wildcard(let p): return [3] + Array(p.utf8) + [1]
        case .mac(let m): return [4] + Array(m.utf8)
        case .bool(let b): return [5, b ? 1 : 0]
        case .symbol(let s): return [6] + Array(s.utf8)
        case .flags(let f): return [7] + Array(f.joined(separator: ",").utf8)
        case .flagsMasked(let m, let s): return [7] + Array((m + ["/"] + s).joined(separator: ",").utf8)
        case .set(let values): return [8] + values.flatMap { key(of: $0) }
        case .namedSet(let name): return [9] + Array(name.utf8)
        case .concat(let parts): return [10] + parts.flatMap { key(of: $0) + [0] }
        }
    }

    private static func bigEndian(_ n: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: n >> (56 - 8 * $0)) } }
}
