import VNetModel

/// The spellings both decoders must share for statements whose model value is text or a name list
/// (reject kinds, NAT flags, limits, set flags, hooks), so JSON and netlink give equal models.
enum NftStatementText {
    /// `reject with` text: `icmp port-unreachable`, `icmpx admin-prohibited`, `tcp reset`.
    static func reject(kind: String, code: String?) -> String {
        code.map { "\(kind) \($0)" } ?? kind
    }

    /// Netlink reject type (NFT_REJECT_*) and code; `ipv6` picks icmpv6 for type 0.
    static func reject(type: UInt32, code: UInt8, ipv6: Bool) -> String {
        switch type {
        case 0:
            let table = ipv6 ? NftSymbols.icmpv6Codes : NftSymbols.icmpCodes
            return reject(kind: ipv6 ? "icmpv6" : "icmp", code: table.name(UInt64(code)) ?? String(code))
        case 1: return "tcp reset"
        case 2: return reject(kind: "icmpx", code: NftSymbols.icmpxCodes.name(UInt64(code)) ?? String(code))
        default: return "type \(type) code \(code)"
        }
    }

    /// User-visible NAT flags (NF_NAT_RANGE_*): the kernel's MAP_IPS / PROTO_SPECIFIED are implied.
    static let natFlags = NftSymbols.Table(pairs: [("random", 4), ("persistent", 8), ("fully-random", 16), ("netmap", 64)])

    static func natFlagNames(_ bits: UInt32) -> [String] {
        NftSymbols.flagNames(UInt64(bits) & 0x5c, natFlags)
    }

    /// `limit rate [over ]N/unit [burst B packets]` or `limit rate [over ]N UNIT/unit [burst B UNIT]` as nft
    /// prints it: a packet burst only when it is not nft's default 5, a byte burst only when not 0.
    static func limit(rate: UInt64, perSeconds: UInt64, burst: UInt64, bytes: Bool, over: Bool) -> String {
        let per: String
        switch perSeconds {
        case 1: per = "second"
        case 60: per = "minute"
        case 3600: per = "hour"
        case 86400: per = "day"
        case 604800: per = "week"
        default: per = "\(perSeconds)s"
        }
        let head = "limit rate \(over ? "over " : "")"
        guard bytes else { return head + "\(rate)/\(per)" + (burst != 0 && burst != 5 ? " burst \(burst) packets" : "") }
        return head + "\(byteAmount(rate))/\(per)" + (burst != 0 ? " burst \(byteAmount(burst))" : "")
    }

    /// `quota [over ]N UNIT`; the bytes used so far are live state, not rule content, and are left out.
    static func quota(bytes: UInt64, over: Bool) -> String {
        "quota \(over ? "over " : "")\(byteAmount(bytes))"
    }

    /// `ct count [over ]N`: the connection-count limit (the kernel's connlimit expression).
    static func connectionCount(_ count: UInt64, over: Bool) -> String {
        "ct count \(over ? "over " : "")\(count)"
    }

    /// A match on state no packet carries (a rate, a quota, a connection count, a meter): an
    /// expression the evaluator tries both ways, never a statement that would stop the walk.
    static func stateMatch(_ name: String, _ text: String) -> RuleElement {
        .unknown(UnknownElement(kind: "expression", name: name, text: text, mayAffectVerdict: true))
    }

    /// `meter NAME [size N ]{ KEY STATEMENT }`.
    static func meter(name: String, size: UInt64?, key: String, statement: String) -> String {
        "meter \(name) \(size.map { "size \($0) " } ?? ""){ \(key) \(statement) }"
    }

    /// A duration as nft prints it: `30s`, `1h30m`, `2d`, `500ms`.
    static func duration(milliseconds: UInt64) -> String {
        var rest = milliseconds
        var text = ""
        for (unit, length) in [("d", UInt64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            if rest >= length {
                text += "\(rest / length)\(unit)"
                rest %= length
            }
        }
        return text.isEmpty ? "0s" : text
    }

    /// A byte amount in the largest of bytes, kbytes, mbytes that divides it, as nft's `get_rate`.
    static func byteAmount(_ n: UInt64) -> String {
        var value = n
        for unit in ["bytes", "kbytes"] {
            guard value != 0, value % 1024 == 0 else { return "\(value) \(unit)" }
            value /= 1024
        }
        return "\(value) mbytes"
    }

    /// Bytes in a JSON `*_unit` (`bytes`, `kbytes`, `mbytes`), nil for an unknown unit.
    static func byteUnit(_ unit: String) -> UInt64? {
        switch unit {
        case "bytes": return 1
        case "kbytes": return 1024
        case "mbytes": return 1024 * 1024
        default: return nil
        }
    }

    static func limitSeconds(_ per: String) -> UInt64? {
        switch per {
        case "second": return 1
        case "minute": return 60
        case "hour": return 3600
        case "day": return 86400
        case "week": return 604800
        default: return nil
        }
    }

    /// Set flags the model keeps (NFT_SET_*): constant, interval, timeout, dynamic (eval).
    static let setFlags = NftSymbols.Table(pairs: [("constant", 2), ("interval", 4), ("timeout", 16), ("dynamic", 32)])

    static func setFlagNames(_ bits: UInt32) -> [String] {
        NftSymbols.flagNames(UInt64(bits) & 0x36, setFlags)
    }

    /// Table flags (NFT_TABLE_F_*).
    static let tableFlags = NftSymbols.Table(pairs: [("dormant", 1), ("owner", 2), ("persist", 4)])

    /// Hook numbers per family: NF_INET_* (ip, ip6, inet, bridge), NF_ARP_*, NF_NETDEV_*.
    static func hook(number: UInt32, family: TableFamily) -> Hook? {
        switch family {
        case .arp: return [0: Hook.input, 1: .output, 2: .forward][number]
        case .netdev: return [0: Hook.ingress, 1: .egress][number]
        default: return [0: Hook.prerouting, 1: .input, 2: .forward, 3: .output, 4: .postrouting, 5: .ingress][number]
        }
    }
}
