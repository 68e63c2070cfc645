import VNetModel

/// nft-syntax evidence text for a rule, rendered from its elements (never copied from the input),
/// so the JSON and the netlink decoder give the same text for the same rule.
public enum NftRuleText {
    public static func render(_ elements: [RuleElement], comment: String?) -> String {
        var parts = elements.map(render)
        if let comment { parts.append("comment \(quoted(comment))") }
        return parts.joined(separator: " ")
    }

    static func render(_ element: RuleElement) -> String {
        switch element {
        case .match(let m): return render(m)
        case .action(let a): return render(a)
        case .unknown(let u):
            if u.kind == "match" || u.kind == "target" { return "xt \(u.kind) \(u.name)" }
            return u.text
        }
    }

    static func render(_ m: Match) -> String {
        let field = fieldText(m.field)
        if let names = namedNumbers(m.field), m.op == .eq || m.op == .ne {
            return "\(field) \(opText(m.op, implicit: nil))\(value(m.value, names: names))"
        }
        if case .maskedInteger(let value, let mask) = m.value {
            return "\(field) & \(hex(mask)) \(opText(m.op, implicit: "=="))\(hex(value))"
        }
        if case .flagsMasked(let mask, let set) = m.value {
            return "\(field) & (\(mask.joined(separator: " | "))) \(opText(m.op, implicit: "=="))\(flagsText(set))"
        }
        return "\(field) \(opText(m.op, implicit: nil))\(value(m.value))"
    }

    /// `meta.iifname` -> `meta iifname`; concatenations keep their ` . `; raw `@nh,96,32` stays;
    /// `fib.saddr.iif.oif` -> `fib saddr . iif oif`. (A byte loop: this runs for every match of every rule.)
    static func fieldText(_ field: MatchField) -> String {
        if let fib = field.fibParts { return "fib \(fib.flags.joined(separator: " . ")) \(fib.result)" }
        var bytes = Array(field.rawValue.utf8)
        var partStart = true, raw = false
        for i in bytes.indices {
            let b = bytes[i]
            if partStart { raw = b == UInt8(ascii: "@") }
            partStart = b == UInt8(ascii: " ")
            let separator = b == UInt8(ascii: ".") && i > 0 && bytes[i - 1] == UInt8(ascii: " ")
            if b == UInt8(ascii: "."), !raw, !separator { bytes[i] = UInt8(ascii: " ") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func fieldsText(_ fields: [MatchField]) -> String { fields.map(fieldText).joined(separator: " . ") }

    private static func opText(_ op: MatchOp, implicit: String?) -> String {
        switch op {
        case .eq: return implicit.map { "\($0) " } ?? ""
        case .ne: return "!= "
        case .lt: return "< "
        case .gt: return "> "
        case .le: return "<= "
        case .ge: return ">= "
        }
    }

    static func value(_ v: MatchValue) -> String {
        switch v {
        case .string(let s): return quoted(s)
        case .wildcard(let p): return quoted(p + "*")
        case .integer(let n): return String(n)
        case .range(let lo, let hi): return "\(lo)-\(hi)"
        case .maskedInteger(let value, let mask): return "\(hex(value))/\(hex(mask))"
        case .prefix(let p): return p.isHost ? p.network.description : p.description
        case .addressRange(let lo, let hi): return "\(lo)-\(hi)"
        case .mac(let m): return m
        case .bool(let b): return b ? "exists" : "missing"
        case .symbol(let s): return s
        case .flags(let f): return flagsText(f)
        case .flagsMasked(let mask, let set): return "\(flagsText(set)) / \(flagsText(mask))"
        case .set(let values): return "{ " + values.map(value).joined(separator: ", ") + " }"
        case .namedSet(let name): return "@\(name)"
        case .concat(let parts): return parts.map(value).joined(separator: " . ")
        }
    }

    /// Fields the model keeps as numbers but nft prints by name: `ip dscp cs1`, `meta nfproto ipv4`.
    private static func namedNumbers(_ field: MatchField) -> NftSymbols.Table? {
        switch field {
        case .ipDSCP, .ip6DSCP: return NftSymbols.dscpClasses
        case .nfproto: return NftSymbols.nfprotos
        default: return nil
        }
    }

    /// `v` with its numbers spelled by `names` (unnamed ones in hex).
    private static func value(_ v: MatchValue, names: NftSymbols.Table) -> String {
        switch v {
        case .integer(let n): return names.name(n) ?? hex(n)
        case .set(let members): return "{ " + members.map { value($0, names: names) }.joined(separator: ", ") + " }"
        default: return value(v)
        }
    }

    static func render(_ a: Action) -> String {
        switch a {
        case .accept: return "accept"
        case .drop: return "drop"
        case .reject(let with): return with.map { "reject with \($0)" } ?? "reject"
        case .return: return "return"
        case .jump(let c): return "jump \(c)"
        case .goto(let c): return "goto \(c)"
        case .continue: return "continue"
        case .queue(let num): return num.map { "queue num \($0)" } ?? "queue"
        case .masquerade(let ports, let flags): return nat("masquerade", nil, ports, flags)
        case .snat(let addresses, let ports, let flags): return nat("snat", addresses, ports, flags)
        case .dnat(let addresses, let ports, let flags): return nat("dnat", addresses, ports, flags)
        case .redirect(let ports, let flags): return nat("redirect", nil, ports, flags)
        case .verdictMap(let key, let entries, let named):
            let map = named.map { "@\($0)" }
                ?? "{ " + entries.map { "\(value($0.key)) : \(render($0.verdict))" }.joined(separator: ", ") + " }"
            return "\(fieldsText(key)) vmap \(map)"
        case .counter: return "counter"
        case .log(let prefix): return prefix.map { "log prefix \(quoted($0))" } ?? "log"
        case .setMark(let value, let mask): return mark("meta mark", value, mask)
        case .setCtMark(let value, let mask): return mark("ct mark", value, mask)
        case .notrack: return "notrack"
        case .statement(let name, let detail): return detail.isEmpty ? name : "\(name) \(detail)"
        }
    }

    private static func nat(_ verb: String, _ addresses: AddressRange?, _ ports: PortRange?, _ flags: [String]) -> String {
        var text = verb
        var target = ""
        if let addresses {
            target = addresses.low == addresses.high ? "\(addresses.low)" : "\(addresses.low)-\(addresses.high)"
            if addresses.low.family == .ipv6, ports != nil { target = "[\(target)]" }
        }
        if let ports { target += ports.low == ports.high ? ":\(ports.low)" : ":\(ports.low)-\(ports.high)" }
        if !target.isEmpty { text += " to \(target)" }
        if !flags.isEmpty { text += " " + flags.joined(separator: ",") }
        return text
    }

    private static func mark(_ key: String, _ value: UInt64, _ mask: UInt64?) -> String {
        guard let mask else { return "\(key) set \(hex(value))" }
        return "\(key) set \(key) & \(hex(~mask & 0xffff_ffff)) ^ \(hex(value))"
    }

    private static func flagsText(_ flags: [String]) -> String { flags.joined(separator: ",") }
    private static func hex(_ n: UInt64) -> String { "0x" + String(n, radix: 16) }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
