import VNetModel

/// A set or map as the kernel dumps it: key types, flags and raw elements. Elements are turned into
/// model values with the key types (named sets) or the types of the selector looking into them
/// (anonymous sets), as nft prints them.
struct NftNetlinkSet {
    struct Element {
        var key: [UInt8]
        /// Inclusive upper end of a concatenated range (pipapo sets).
        var keyEnd: [UInt8]?
        var isIntervalEnd: Bool
        var data: [UInt8]?
        var verdict: Action?
    }

    let name: String
    let handle: UInt64?
    let flags: UInt32
    let keyTypes: [NftDatatype]
    /// `verdict`, a data type name, or nil for a plain set.
    let mapType: String?
    let dataTypes: [NftDatatype]
    /// Field lengths of a concatenated key (NFTA_SET_DESC_CONCAT), when the kernel gives them.
    let fieldLengths: [Int]?
    var elements: [Element] = []
    /// The declared size (NFTA_SET_DESC_SIZE), printed with a meter.
    var size: UInt32?

    var isAnonymous: Bool { flags & 0x1 != 0 }
    var isInterval: Bool { flags & 0x4 != 0 }

    /// Keys (and data/verdicts) of every element, typed by `types`.
    func entries(types: [NftDatatype], values: NftNetlinkValues) -> [(key: MatchValue, element: Element)] {
        let lengths = fieldLengths.flatMap { $0.count == types.count ? $0 : nil }
            ?? types.map(NftNetlinkValues.size(of:))
        if types.count == 1, isInterval, elements.allSatisfy({ $0.keyEnd == nil }) {
            return intervals(type: types[0], values: values)
        }
        var out: [(MatchValue, Element)] = []
        for element in elements where !element.isIntervalEnd {
            var parts: [MatchValue] = []
            var offset = 0
            for (type, length) in zip(types, lengths) {
                let width = types.count > 1 ? (length + 3) & ~3 : length
                let low = slice(element.key, offset, length)
                let high = element.keyEnd.map { slice($0, offset, length) } ?? low
                parts.append(Self.range(low, high, type: type, values: values))
                offset += width
            }
            out.append((parts.count == 1 ? parts[0] : .concat(parts), element))
        }
        return out
    }

    /// Elements of an interval set (rbtree): sorted starts, each closed by the next end element
    /// whose key is the first value past the range; the last range may run to the top.
    private func intervals(type: NftDatatype, values: NftNetlinkValues) -> [(key: MatchValue, element: Element)] {
        let sorted = elements.sorted { a, b in
            a.key == b.key ? (a.isIntervalEnd && !b.isIntervalEnd) : a.key.lexicographicallyPrecedes(b.key)
        }
        var out: [(MatchValue, Element)] = []
        for (i, element) in sorted.enumerated() where !element.isIntervalEnd {
            var high = [UInt8](repeating: 0xff, count: element.key.count)
            if i + 1 < sorted.count, sorted[i + 1].isIntervalEnd, let previous = Self.decrement(sorted[i + 1].key) {
                high = previous
            }
            out.append((Self.range(element.key[...], high[...], type: type, values: values), element))
        }
        return out
    }

    private func slice(_ bytes: [UInt8], _ offset: Int, _ length: Int) -> ArraySlice<UInt8> {
        let start = min(offset, bytes.count)
        return bytes[start..<min(start + length, bytes.count)]
    }

    /// One value, or the range [low, high] (a prefix when it is one, for addresses).
    static func range(_ low: ArraySlice<UInt8>, _ high: ArraySlice<UInt8>, type: NftDatatype,
                      values: NftNetlinkValues) -> MatchValue {
        let single = values.value(low, type: type)
        guard !low.elementsEqual(high) else { return single }
        if type.addressFamily != nil {
            if let bits = prefixLength(low, high) {
                return values.value(low, type: type, prefixBits: bits)
            }
            if case .prefix(let lo) = single, case .prefix(let hi) = values.value(high, type: type) {
                return .addressRange(low: lo.network, high: hi.network)
            }
        }
        let big = NftNetlinkValues.isBigEndian(type) || type.addressFamily != nil
        return .range(low: NftNetlinkValues.number(low, bigEndian: big), high: NftNetlinkValues.number(high, bigEndian: big))
    }

    /// n when [low, high] is exactly low/n.
    static func prefixLength(_ low: ArraySlice<UInt8>, _ high: ArraySlice<UInt8>) -> Int? {
        guard low.count == high.count else { return nil }
        var bits = 0
        var inHost = false
        for (l, h) in zip(low, high) {
            let diff = l ^ h
            if inHost {
                guard l == 0, h == 0xff else { return nil }
                continue
            }
            let hostBits = diff.trailingZeroBitCount == 8 ? 0 : 8 - diff.leadingZeroBitCount
            let hostMask: UInt8 = hostBits == 0 ? 0 : UInt8(truncatingIfNeeded: (1 << hostBits) - 1)
            guard diff == hostMask, l & hostMask == 0 else { return nil }
            bits += 8 - hostBits
            if hostBits > 0 { inHost = true }
        }
        return bits
    }

    /// Big-endian bytes minus one; nil for all zeros.
    static func decrement(_ bytes: [UInt8]) -> [UInt8]? {
        var out = bytes
        var i = out.count - 1
        while i >= 0 {
            if out[i] > 0 { out[i] -= 1; return out }
            out[i] = 0xff
            i -= 1
        }
        return nil
    }
}
