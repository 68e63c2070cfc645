/// IP addresses and prefixes as plain values. Parsed by hand (no C) so the model stays portable,
/// and encoded as their canonical text so the JSON reads like `ip` output.

public enum AddressFamily: String, Codable, Sendable, Hashable, CaseIterable {
    case ipv4
    case ipv6
}

/// An IPv4 or IPv6 address. IPv4 lives in the low 32 bits of `low`.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let family: AddressFamily
    public let high: UInt64
    public let low: UInt64

    public init(ipv4 value: UInt32) {
        family = .ipv4; high = 0; low = UInt64(value)
    }

    public init(ipv6High high: UInt64, low: UInt64) {
        family = .ipv6; self.high = high; self.low = low
    }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6; anything else is nil.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        switch bytes.count {
        case 4:
            var v: UInt32 = 0
            for b in bytes { v = v << 8 | UInt32(b) }
            self.init(ipv4: v)
        case 16:
            var h: UInt64 = 0, l: UInt64 = 0
            for (i, b) in bytes.enumerated() {
                if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
            }
            self.init(ipv6High: h, low: l)
        default:
            return nil
        }
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and an embedded IPv4 tail).
    public init?(_ text: some StringProtocol) {
        if text.contains(":") {
            guard let (h, l) = IPAddress.parseIPv6(Substring(text)) else { return nil }
            self.init(ipv6High: h, low: l)
        } else {
            guard let v = IPAddress.parseIPv4(Substring(text)) else { return nil }
            self.init(ipv4: v)
        }
    }

    public var bitWidth: Int { family == .ipv4 ? 32 : 128 }

    public var bytes: [UInt8] {
        switch family {
        case .ipv4:
            let v = UInt32(truncatingIfNeeded: low)
            return [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
        case .ipv6:
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    public var isLinkLocal: Bool {
        switch family {
        case .ipv4: return low >> 16 == 0xa9fe
        case .ipv6: return high >> 54 == 0x3fa
        }
    }

    public var isMulticast: Bool {
        switch family {
        case .ipv4: return low >> 28 == 0xe
        case .ipv6: return high >> 56 == 0xff
        }
    }

    public var isUnspecified: Bool { high == 0 && low == 0 }

    public var description: String {
        switch family {
        case .ipv4:
            return bytes.map(String.init).joined(separator: ".")
        case .ipv6:
            return IPAddress.formatIPv6(high: high, low: low)
        }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.family != b.family { return a.family == .ipv4 }
        return (a.high, a.low) < (b.high, b.low)
    }

    /// The address with all bits after `length` cleared.
    public func masked(to length: Int) -> IPAddress {
        let len = max(0, min(length, bitWidth))
        switch family {
        case .ipv4:
            let mask: UInt64 = len == 0 ? 0 : (0xffff_ffff << UInt64(32 - len)) & 0xffff_ffff
            return IPAddress(ipv4: UInt32(low & mask))
        case .ipv6:
            let hm: UInt64 = len >= 64 ? .max : (len == 0 ? 0 : .max << UInt64(64 - len))
            let lm: UInt64 = len <= 64 ? 0 : (len == 128 ? .max : .max << UInt64(128 - len))
            return IPAddress(ipv6High: high & hm, low: low & lm)
        }
    }

    static func parseIPv4(_ s: Substring) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        for part in s.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let n = UInt32(part), n <= 255 else { return nil }
            value = value << 8 | n
            parts += 1
        }
        return parts == 4 ? value : nil
    }

    static func parseIPv6(_ s: Substring) -> (UInt64, UInt64)? {
        guard s.count >= 2, s.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        let halves = s.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ text: String, allowIPv4Tail: Bool) -> [UInt16]? {
            if text.isEmpty { return [] }
            var out: [UInt16] = []
            let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, allowIPv4Tail, piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    out.append(UInt16(v4 >> 16)); out.append(UInt16(v4 & 0xffff))
                } else {
                    guard !piece.isEmpty, piece.count <= 4, let g = UInt16(piece, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        if halves.count == 2 {
            sawGap = true
            guard let h = groups(halves[0], allowIPv4Tail: false),
                  let t = groups(halves[1], allowIPv4Tail: true) else { return nil }
            head = h; tail = t
            guard head.count + tail.count <= 7 else { return nil }
        } else {
            guard let h = groups(halves[0], allowIPv4Tail: true), h.count == 8 else { return nil }
            head = h
        }
        var all = head
        if sawGap { all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail }
        guard all.count == 8 else { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(all[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(all[i]) }
        return (hi, lo)
    }

    /// RFC 5952 text: lowercase, longest run (>= 2) of zero groups as `::`.
    static func formatIPv6(high: UInt64, low: UInt64) -> String {
        let groups: [UInt16] = (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * $0)) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * $0)) }
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        if bestLen < 2 { bestStart = -1 }
        var out = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                out += "::"
                k += bestLen
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[k], radix: 16)
            k += 1
        }
        return out
    }
}

extension IPAddress: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let a = IPAddress(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an IP address: \(s)")
        }
        self = a
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A network prefix, always stored masked (`192.168.122.0/24`).
public struct IPPrefix: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let network: IPAddress
    public let length: Int

    public init(_ address: IPAddress, length: Int) {
        let len = max(0, min(length, address.bitWidth))
        network = address.masked(to: len)
        self.length = len
    }

    /// `a.b.c.d/n`, `x::/n`, or a bare address (a host prefix).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let addr = IPAddress(parts[0]) else { return nil }
        if parts.count == 2 {
            guard parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                  let n = Int(parts[1]), n <= addr.bitWidth else { return nil }
            self.init(addr, length: n)
        } else {
            self.init(addr, length: addr.bitWidth)
        }
    }

    /// A dotted netmask such as 255.255.255.0; nil when it is not contiguous.
    public static func length(ofNetmask mask: IPAddress) -> Int? {
        guard mask.family == .ipv4 else { return nil }
        let v = UInt32(truncatingIfNeeded: mask.low)
        let ones = v.nonzeroBitCount
        let expected: UInt32 = ones == 0 ? 0 : UInt32.max << UInt32(32 - ones)
        return v == expected ? ones : nil
    }

    public var family: AddressFamily { network.family }
    public var isHost: Bool { length == network.bitWidth }

    public func contains(_ address: IPAddress) -> Bool {
        address.family == family && address.masked(to: length) == network
    }

    public func contains(_ other: IPPrefix) -> Bool {
        other.family == family && other.length >= length && contains(other.network)
    }

    public func overlaps(_ other: IPPrefix) -> Bool {
        contains(other) || other.contains(self)
    }

    public var description: String { "\(network)/\(length)" }

    public static func < (a: IPPrefix, b: IPPrefix) -> Bool {
        (a.network, a.length) < (b.network, b.length)
    }
}

extension IPPrefix: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let p = IPPrefix(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an IP prefix: \(s)")
        }
        self = p
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
