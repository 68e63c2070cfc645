/// A 48-bit link-layer address kept as a number, so decoding a frame formats no text; `description`
/// gives `aa:bb:cc:dd:ee:ff` when someone asks.
public struct MACAddress: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The six bytes, first byte in bits 40-47.
    public let value: UInt64

    public static let zero = MACAddress(value: 0)
    public static let broadcast = MACAddress(value: 0xffff_ffff_ffff)

    public init(value: UInt64) {
        self.value = value & 0xffff_ffff_ffff
    }

    /// Exactly six bytes; anything else is nil.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == 6 else { return nil }
        self.init(value: bytes.reduce(0) { $0 << 8 | UInt64($1) })
    }

    /// `aa:bb:cc:dd:ee:ff` or `AA-BB-...`: six hexadecimal pairs.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(omittingEmptySubsequences: false) { $0 == ":" || $0 == "-" }
        guard parts.count == 6 else { return nil }
        var value: UInt64 = 0
        for part in parts {
            guard part.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
            value = value << 8 | UInt64(byte)
        }
        self.init(value: value)
    }

    public var bytes: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: value >> (40 - 8 * $0)) } }

    /// The group bit: broadcast and multicast destinations.
    public var isMulticast: Bool { value >> 40 & 1 == 1 }

    private static let hexDigits: [Character] = Array("0123456789abcdef")

    public var description: String {
        let digits = Self.hexDigits
        var text = ""
        text.reserveCapacity(17)
        for index in 0..<6 {
            let byte = Int(truncatingIfNeeded: value >> (40 - 8 * index) & 0xff)
            if index > 0 { text.append(":") }
            text.append(digits[byte >> 4])
            text.append(digits[byte & 0xf])
        }
        return text
    }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = MACAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a MAC address: \(text)"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
