import Foundation
import VNetModel

/// Left-hand expressions (selectors) and right-hand values of nft JSON, typed by the selector so
/// they come out as the netlink decoder makes them from bytes.
enum NftJSONValues {
    /// A selector expression: payload, meta, ct, fib. nil for anything else (rt, exthdr, socket...).
    static func selector(_ node: NftJSONNode, family: TableFamily) throws -> NftSelector? {
        guard let (name, body) = try? node.singleMember() else { return nil }
        switch name {
        case "payload":
            if let proto = try body.optional("protocol") {
                let p = try proto.string(), f = try body.required("field").string()
                return NftHeaderField.named(p, f)?.selector
                    ?? NftSelector(field: MatchField("\(p).\(f)"), type: .integer(bigEndian: true), length: 0)
            }
            guard let base = NftPayloadBase(shortName: try body.required("base").string()) else {
                throw body.error("unknown payload base")
            }
            return NftHeaderField.raw(base: base, offsetBits: Int(clamping: try body.required("offset").unsigned()),
                                      lengthBits: Int(clamping: try body.required("len").unsigned()))
        case "meta":
            let key = try body.required("key").string()
            return NftMetaKey.selector(name: key)
                ?? NftSelector(field: MatchField("meta.\(key)"), type: .integer(bigEndian: false), length: 4)
        case "ct":
            let key = try body.required("key").string()
            let dir = try body.optional("dir")?.string()
            let fam: AddressFamily?
            switch try body.optional("family")?.string() {
            case "ip": fam = .ipv4
            case "ip6": fam = .ipv6
            default: fam = family == .ip ? .ipv4 : family == .ip6 ? .ipv6 : nil
            }
            return NftCtKey.selector(name: key, direction: dir, family: fam)
                ?? NftSelector(field: MatchField(dir.map { "ct.\($0).\(key)" } ?? "ct.\(key)"),
                               type: .integer(bigEndian: false), length: 4)
        case "fib":
            let flags = try body.required("flags").strings()
            return NftFibKey.selector(result: try body.required("result").string(), flags: flags)
        default:
            return nil
        }
    }

    /// Selectors of a concatenation (`{"concat": [...]}`) or of a single key.
    static func selectors(_ node: NftJSONNode, family: TableFamily) throws -> [NftSelector]? {
        if let parts = try? node.singleMember(), parts.name == "concat" {
            var out: [NftSelector] = []
            for part in try parts.body.array() {
                guard let s = try selector(part, family: family) else { return nil }
                out.append(s)
            }
            return out
        }
        return try selector(node, family: family).map { [$0] }
    }

    /// A right-hand side: scalar, prefix, range, anonymous set, `@named` set, concatenation.
    static func value(_ node: NftJSONNode, types: [NftDatatype]) throws -> MatchValue {
        if let s = node.value as? String, s.hasPrefix("@") { return .namedSet(String(s.dropFirst())) }
        if let o = node.value as? [String: Any], o.count == 1, let key = o.keys.first {
            let body = try node.required(key)
            switch key {
            case "set":
                let items = body.value is [Any] ? try body.array() : [body]
                return .set(NftValueOrder.sorted(try items.map { try value($0, types: types) }))
            case "concat":
                let parts = try body.array()
                guard parts.count == types.count else {
                    throw body.error("concatenation of \(parts.count) values for a key of \(types.count) parts")
                }
                return .concat(try zip(parts, types).map { try value($0, types: [$1]) })
            case "elem":
                return try value(try body.required("val"), types: types)
            default:
                break
            }
        }
        guard types.count == 1, let type = types.first else {
            throw node.error("a single value for a concatenated key")
        }
        return try scalar(node, type: type)
    }

    /// One value of one datatype (prefix and range forms included).
    static func scalar(_ node: NftJSONNode, type: NftDatatype) throws -> MatchValue {
        if let o = node.value as? [String: Any], o.count == 1, let key = o.keys.first {
            let body = try node.required(key)
            switch key {
            case "prefix":
                let addr = try body.required("addr")
                guard let a = IPAddress(try addr.string()) else { throw addr.error("not an IP address") }
                let len = try body.required("len").unsigned()
                guard len <= UInt64(a.bitWidth) else { throw body.error("prefix length \(len) too long") }
                return .prefix(IPPrefix(a, length: Int(len)))
            case "range":
                let ends = try body.array()
                guard ends.count == 2 else { throw body.error("a range needs two ends") }
                let lo = try scalar(ends[0], type: type), hi = try scalar(ends[1], type: type)
                switch (lo, hi) {
                case (.prefix(let a), .prefix(let b)): return .addressRange(low: a.network, high: b.network)
                case (.integer(let a), .integer(let b)): return .range(low: a, high: b)
                default: throw body.error("range ends of unsupported kinds")
                }
            case "|":
                guard type.flagBits != nil else { throw body.error("flag list for a non-flag type") }
                return .flags(try body.array().flatMap { try $0.strings() }.sorted())
            default:
                throw node.error("unsupported value expression \"\(key)\"")
            }
        }
        if let bits = type.flagBits {
            if let n = node.number { return .flags(NftSymbols.flagNames(n.uint64Value, bits)) }
            return .flags(try node.strings().sorted())
        }
        if let family = type.addressFamily {
            guard let a = IPAddress(try node.string()), a.family == family else {
                throw node.error("not an \(family == .ipv4 ? "IPv4" : "IPv6") address")
            }
            return .prefix(IPPrefix(a, length: a.bitWidth))
        }
        switch type {
        case .interfaceName, .string:
            let s = try node.string()
            if type == .interfaceName, s.hasSuffix("*"), !s.hasSuffix("\\*") { return .wildcard(prefix: String(s.dropLast())) }
            return .string(s.replacingOccurrences(of: "\\*", with: "*"))
        case .interfaceIndex:
            if node.value is String { return .string(try node.string()) }
            return .integer(try node.unsigned())
        case .etherAddress:
            return .mac(try node.string().lowercased())
        case .boolean:
            if let b = node.value as? Bool { return .bool(b) }
            return .bool(try node.unsigned() != 0)
        default:
            if node.value is String {
                let s = try node.string()
                if let n = type.symbols?.number(s) { return type.value(ofNumber: n) }
                if let n = UInt64(s) { return type.value(ofNumber: n) }
                if s.hasPrefix("0x"), let n = UInt64(s.dropFirst(2), radix: 16) { return type.value(ofNumber: n) }
                return .symbol(s)
            }
            return type.value(ofNumber: try node.unsigned())
        }
    }

    /// A verdict as a map value: `{"accept": null}`, `{"jump": {"target": "x"}}`.
    static func verdict(_ node: NftJSONNode) throws -> Action {
        let (name, body) = try node.singleMember()
        switch name {
        case "accept": return .accept
        case "drop": return .drop
        case "continue": return .continue
        case "return": return .return
        case "jump": return .jump(try body.required("target").string())
        case "goto": return .goto(try body.required("target").string())
        case "queue": return .queue(nil)
        default: throw node.error("unknown verdict \"\(name)\"")
        }
    }

    /// Datatypes by the names nft prints in set `type` and map values.
    static func datatype(named name: String) -> NftDatatype {
        if let known = datatypesByName[name] { return known }
        return .other(id: 0, name: name)
    }

    private static let datatypesByName: [String: NftDatatype] = {
        var table: [String: NftDatatype] = [:]
        for id in UInt32(1)..<64 {
            let t = NftDatatype.fromID(id)
            if table[t.name] == nil { table[t.name] = t }
        }
        return table
    }()
}
