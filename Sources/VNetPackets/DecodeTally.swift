/// Counts, per layer, how many frames decoded cleanly and how many stopped truncated, malformed or
/// unsupported there, so a capture summary can say "12 truncated (snap length), 1 malformed".
/// Recording is a few array increments: it runs on every frame.
public struct DecodeTally: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        case decoded, truncated, malformed, unsupported
    }

    public private(set) var frames = 0
    /// Frames whose every present layer decoded (no issue).
    public private(set) var clean = 0
    private var counts = [Int](repeating: 0, count: Outcome.allCases.count * PacketLayer.allCases.count)

    public init() {}

    public mutating func record(_ packet: DecodedPacket) {
        frames += 1
        if packet.ethernet != nil { add(.decoded, .ethernet) }
        if !packet.vlanTags.isEmpty { add(.decoded, .vlan) }
        if packet.linuxCooked != nil { add(.decoded, .link) }
        if packet.arp != nil { add(.decoded, .arp) }
        if let ip = packet.ip { add(.decoded, ip.family == .ipv4 ? .ipv4 : .ipv6) }
        switch packet.transport {
        case .tcp: add(.decoded, .tcp)
        case .udp: add(.decoded, .udp)
        case .icmp: add(.decoded, .icmp)
        case .icmpv6: add(.decoded, .icmpv6)
        case nil: break
        }
        switch packet.application {
        case .dhcp: add(.decoded, .dhcp)
        case .dhcpv6: add(.decoded, .dhcpv6)
        case .dns: add(.decoded, .dns)
        case nil: break
        }
        switch packet.issue {
        case .truncated(let layer, _, _): add(.truncated, layer)
        case .malformed(let layer, _): add(.malformed, layer)
        case .unsupported(let layer, _): add(.unsupported, layer)
        case nil: clean += 1
        }
    }

    public mutating func merge(_ other: DecodeTally) {
        frames += other.frames
        clean += other.clean
        for index in counts.indices { counts[index] += other.counts[index] }
    }

    public func count(_ outcome: Outcome, at layer: PacketLayer) -> Int { counts[Self.index(outcome, layer)] }

    /// Over all layers.
    public func total(_ outcome: Outcome) -> Int {
        PacketLayer.allCases.reduce(0) { $0 + count(outcome, at: $1) }
    }

    /// `1200 frames: 12 truncated (snap length), 1 malformed (ipv4 1), 3 unsupported (ethernet 3)`;
    /// just `1200 frames` when every frame decoded.
    public var summary: String {
        var parts: [String] = []
        for outcome in [Outcome.truncated, .malformed, .unsupported] {
            let total = total(outcome)
            guard total > 0 else { continue }
            let layers = PacketLayer.allCases.filter { count(outcome, at: $0) > 0 }
                .map { "\($0.rawValue) \(count(outcome, at: $0))" }.joined(separator: ", ")
            let note = outcome == .truncated ? "snap length: " : ""
            parts.append("\(total) \(outcome.rawValue) (\(note)\(layers))")
        }
        return parts.isEmpty ? "\(frames) frames" : "\(frames) frames: " + parts.joined(separator: ", ")
    }

    @inline(__always)
    private mutating func add(_ outcome: Outcome, _ layer: PacketLayer) { counts[Self.index(outcome, layer)] += 1 }

    private static func index(_ outcome: Outcome, _ layer: PacketLayer) -> Int {
        let outcomeIndex = switch outcome {
        case .decoded: 0
        case .truncated: 1
        case .malformed: 2
        case .unsupported: 3
        }
        return outcomeIndex * PacketLayer.allCases.count + layer.ordinal
    }
}

extension PacketLayer {
    /// Position in `allCases`, without searching it.
    var ordinal: Int {
        switch self {
        case .link: 0
        case .ethernet: 1
        case .vlan: 2
        case .arp: 3
        case .ipv4: 4
        case .ipv6: 5
        case .ipv6Extension: 6
        case .tcp: 7
        case .udp: 8
        case .icmp: 9
        case .icmpv6: 10
        case .dhcp: 11
        case .dhcpv6: 12
        case .dns: 13
        }
    }
}

extension DecodeTally: Codable {
    private enum CodingKeys: String, CodingKey { case frames, clean, decoded, truncated, malformed, unsupported }

    private static func key(_ outcome: Outcome) -> CodingKeys {
        switch outcome {
        case .decoded: .decoded
        case .truncated: .truncated
        case .malformed: .malformed
        case .unsupported: .unsupported
        }
    }

    /// `{"frames": 1200, "clean": 1187, "truncated": {"tcp": 12}, ...}`: only layers with a count.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(frames, forKey: .frames)
        try container.encode(clean, forKey: .clean)
        for outcome in Outcome.allCases {
            var byLayer: [String: Int] = [:]
            for layer in PacketLayer.allCases where count(outcome, at: layer) > 0 {
                byLayer[layer.rawValue] = count(outcome, at: layer)
            }
            try container.encode(byLayer, forKey: Self.key(outcome))
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        frames = try container.decode(Int.self, forKey: .frames)
        clean = try container.decode(Int.self, forKey: .clean)
        for outcome in Outcome.allCases {
            let byLayer = try container.decodeIfPresent([String: Int].self, forKey: Self.key(outcome)) ?? [:]
            for (name, value) in byLayer {
                guard let layer = PacketLayer(rawValue: name) else {
                    throw DecodingError.dataCorruptedError(forKey: Self.key(outcome), in: container,
                                                           debugDescription: "unknown layer \(name)")
                }
                counts[Self.index(outcome, layer)] = value
            }
        }
    }
}
