import Foundation
import VNetModel

/// The statements of one JSON rule (`expr` list) -> model elements.
enum NftJSONStatements {
    static func decode(_ exprs: [NftJSONNode], family: TableFamily) throws -> NftRuleParts {
        var parts = NftRuleParts()
        for node in exprs {
            let (name, body) = try node.singleMember()
            switch name {
            case "match":
                parts.elements.append(try match(body, family: family))
            case "counter":
                if let named = body.value as? String {
                    parts.elements.append(.action(.statement(name: "counter", detail: "name \(NftRuleText.quoted(named))")))
                } else if body.isNull {
                    parts.addCounter(packets: 0, bytes: 0)
                } else {
                    parts.addCounter(packets: try body.optional("packets")?.unsigned() ?? 0,
                                     bytes: try body.optional("bytes")?.unsigned() ?? 0)
                }
            case "accept", "drop", "continue", "return", "jump", "goto":
                parts.elements.append(.action(try NftJSONValues.verdict(node)))
            case "reject":
                parts.elements.append(.action(.reject(with: try reject(body))))
            case "masquerade", "snat", "dnat", "redirect":
                parts.elements.append(try nat(name, body, node: node))
            case "vmap":
                parts.elements.append(try vmap(body, node: node, family: family))
            case "log":
                parts.elements.append(.action(.log(prefix: body.isNull ? nil : try body.optional("prefix")?.string())))
            case "mangle":
                parts.elements.append(try mangle(body, node: node, family: family))
            case "notrack":
                parts.elements.append(.action(.notrack))
            case "xt":
                let kind = try body.required("type").string()
                parts.elements.append(.unknown(UnknownElement(kind: kind, name: try body.required("name").string(),
                                                              text: node.text, mayAffectVerdict: true)))
            case "limit":
                parts.elements.append(NftStatementText.stateMatch("limit", try limit(body)))
            case "quota":
                parts.elements.append(NftStatementText.stateMatch("quota", try quota(body)))
            case "ct count":
                let over = (try body.optional("inv")?.value as? Bool) ?? false
                parts.elements.append(NftStatementText.stateMatch(
                    "ct count", NftStatementText.connectionCount(try body.required("val").unsigned(), over: over)))
            case "meter":
                parts.elements.append(try meter(body, node: node, family: family))
            case "queue":
                parts.elements.append(.action(.queue(try queue(body))))
            default:
                parts.elements.append(unknown(name, node))
            }
        }
        return parts
    }

    private static func unknown(_ name: String, _ node: NftJSONNode) -> RuleElement {
        .unknown(UnknownElement(kind: "expression", name: name, text: node.text, mayAffectVerdict: true))
    }

    static func op(_ node: NftJSONNode) throws -> MatchOp {
        switch try node.string() {
        case "==", "in": return .eq
        case "!=": return .ne
        case "<": return .lt
        case ">": return .gt
        case "<=": return .le
        case ">=": return .ge
        default: throw node.error("unknown operator")
        }
    }

    private static func match(_ body: NftJSONNode, family: TableFamily) throws -> RuleElement {
        let opNode = try body.required("op"), left = try body.required("left"), right = try body.required("right")
        let op = try op(opNode)
        let opText = try opNode.string()
        if let (name, masked) = try? left.singleMember(), name == "&" {
            return try maskedMatch(masked, op: op, right: right, family: family, whole: body)
        }
        guard let selectors = try NftJSONValues.selectors(left, family: family) else {
            let name = (try? left.singleMember().name) ?? "expression"
            return .unknown(UnknownElement(kind: "expression", name: name, text: body.text, mayAffectVerdict: true))
        }
        let field = NftSelector.concatenationField(selectors)
        // `fib ... oif exists|missing` tests presence: JSON shows it by a boolean right-hand side only.
        let types = selectors.count == 1 && field.fibParts != nil && right.isBoolean ? [.boolean] : selectors.map(\.type)
        var value = try NftJSONValues.value(right, types: types)
        // `tcp flags == syn` compares all eight flags; `tcp flags syn` (op "in") any of them.
        if selectors.count == 1, selectors[0].type == .tcpFlags, opText != "in", case .flags(let set) = value {
            value = .flagsMasked(mask: NftSymbols.tcpFlagBits.pairs.map(\.0).sorted(), set: set)
        }
        return .match(Match(field, op, value))
    }

    /// `{"&": [selector, mask]}` compared to a value: masked marks and flag tests.
    private static func maskedMatch(_ operands: NftJSONNode, op: MatchOp, right: NftJSONNode, family: TableFamily,
                                    whole: NftJSONNode) throws -> RuleElement {
        let items = try operands.array()
        guard items.count == 2, let sel = try NftJSONValues.selector(items[0], family: family) else {
            return .unknown(UnknownElement(kind: "expression", name: "&", text: whole.text, mayAffectVerdict: true))
        }
        if sel.type.flagBits != nil {
            guard case .flags(let mask) = try NftJSONValues.scalar(items[1], type: sel.type),
                  case .flags(let set) = try NftJSONValues.scalar(right, type: sel.type) else {
                throw whole.error("flag test with non-flag operands")
            }
            return .match(Match(sel.field, op, .flagsMasked(mask: mask, set: set)))
        }
        guard sel.type.addressFamily == nil else {
            return .unknown(UnknownElement(kind: "expression", name: "&", text: whole.text, mayAffectVerdict: true))
        }
        return .match(Match(sel.field, op, .maskedInteger(value: try right.unsigned(), mask: try items[1].unsigned())))
    }

    private static func reject(_ body: NftJSONNode) throws -> String? {
        guard !body.isNull else { return nil }
        let kind = try body.required("type").string()
        guard let code = try body.optional("expr") else { return kind }
        if code.value is String { return NftStatementText.reject(kind: kind, code: try code.string()) }
        let n = try code.unsigned()
        let table: NftSymbols.Table = kind == "icmpv6" ? NftSymbols.icmpv6Codes
            : kind == "icmpx" ? NftSymbols.icmpxCodes : NftSymbols.icmpCodes
        return NftStatementText.reject(kind: kind, code: table.name(n) ?? String(n))
    }

    private static func nat(_ name: String, _ body: NftJSONNode, node: NftJSONNode) throws -> RuleElement {
        var addresses: AddressRange?
        var ports: PortRange?
        var flags: [String] = []
        if !body.isNull {
            if let addr = try body.optional("addr") {
                switch try NftJSONValues.scalar(addr, type: addressType(addr)) {
                case .prefix(let p) where p.isHost: addresses = AddressRange(low: p.network, high: p.network)
                case .addressRange(let lo, let hi): addresses = AddressRange(low: lo, high: hi)
                default: return unknown(name, node)
                }
            }
            if let port = try body.optional("port") {
                switch try NftJSONValues.scalar(port, type: .inetService) {
                case .integer(let p): ports = PortRange(low: Int(clamping: p), high: Int(clamping: p))
                case .range(let lo, let hi): ports = PortRange(low: Int(clamping: lo), high: Int(clamping: hi))
                default: return unknown(name, node)
                }
            }
            if let f = try body.optional("flags") { flags = try f.strings().sorted() }
        }
        switch name {
        case "masquerade": return .action(.masquerade(ports: ports, flags: flags))
        case "redirect": return .action(.redirect(ports: ports, flags: flags))
        case "snat": return .action(.snat(addresses: addresses, ports: ports, flags: flags))
        default: return .action(.dnat(addresses: addresses, ports: ports, flags: flags))
        }
    }

    /// The address family of a NAT target, read from its text (plain, range or prefix form).
    private static func addressType(_ node: NftJSONNode) -> NftDatatype {
        func isV6(_ v: Any) -> Bool {
            if let s = v as? String { return s.contains(":") }
            if let o = v as? [String: Any] { return o.values.contains(where: isV6) }
            if let a = v as? [Any] { return a.contains(where: isV6) }
            return false
        }
        return isV6(node.value) ? .ipv6Address : .ipv4Address
    }

    private static func vmap(_ body: NftJSONNode, node: NftJSONNode, family: TableFamily) throws -> RuleElement {
        guard let selectors = try NftJSONValues.selectors(try body.required("key"), family: family) else {
            return unknown("vmap", node)
        }
        let key = selectors.map(\.field)
        let data = try body.required("data")
        if let s = data.value as? String, s.hasPrefix("@") {
            return .action(.verdictMap(key: key, entries: [], namedMap: String(s.dropFirst())))
        }
        let set = try data.required("set")
        let items = set.value is [Any] ? try set.array() : [set]
        let entries = try items.map { item -> VerdictMapEntry in
            let pair = try item.array()
            guard pair.count == 2 else { throw item.error("a map entry needs a key and a verdict") }
            return VerdictMapEntry(key: try NftJSONValues.value(pair[0], types: selectors.map(\.type)),
                                   verdict: try NftJSONValues.verdict(pair[1]))
        }
        return .action(.verdictMap(key: key, entries: NftValueOrder.sorted(entries), namedMap: nil))
    }

    /// `meta mark set ...`, `ct mark set ...` and other `KEY set VALUE` statements.
    private static func mangle(_ body: NftJSONNode, node: NftJSONNode, family: TableFamily) throws -> RuleElement {
        guard let key = try NftJSONValues.selector(try body.required("key"), family: family) else {
            return unknown("mangle", node)
        }
        let valueNode = try body.required("value")
        let isMark = key.field == .mark || key.field == .ctMark
        func markAction(_ value: UInt64, _ mask: UInt64?) -> RuleElement {
            .action(key.field == .mark ? .setMark(value: value, mask: mask) : .setCtMark(value: value, mask: mask))
        }
        if isMark, valueNode.number != nil { return markAction(try valueNode.unsigned(), nil) }
        // nft prints (mark & m) ^ x as `mark & (m|x) | x` (or `^ x` when x overlaps m).
        if isMark, let (op, operands) = try? valueNode.singleMember(), op == "|" || op == "^" {
            let items = try operands.array()
            if items.count == 2, let (andOp, andOperands) = try? items[0].singleMember(), andOp == "&" {
                let inner = try andOperands.array()
                if inner.count == 2, try NftJSONValues.selector(inner[0], family: family)?.field == key.field {
                    let and = try inner[1].unsigned(), x = try items[1].unsigned()
                    let mask = op == "|" ? (~and | x) & 0xffff_ffff : ~and & 0xffff_ffff
                    return markAction(x, mask)
                }
            }
        }
        let detail: String
        if let source = try NftJSONValues.selector(valueNode, family: family) {
            detail = NftRuleText.fieldText(source.field)
        } else if let v = try? NftJSONValues.scalar(valueNode, type: key.type) {
            detail = NftRuleText.value(v)
        } else {
            return unknown("mangle", node)
        }
        return .action(.statement(name: "\(NftRuleText.fieldText(key.field)) set", detail: detail))
    }

    private static func limit(_ body: NftJSONNode) throws -> String {
        func bytes(_ unit: String) throws -> UInt64 {
            guard let scale = NftStatementText.byteUnit(unit) else { throw body.error("unknown limit unit \(unit)") }
            return scale
        }
        let rateUnit = try body.optional("rate_unit")?.string() ?? "packets"
        let inBytes = rateUnit != "packets"
        let per = try body.optional("per")?.string() ?? "second"
        guard let seconds = NftStatementText.limitSeconds(per) else { throw body.error("unknown limit unit \(per)") }
        let (rate, rateOverflow) = try body.required("rate").unsigned()
            .multipliedReportingOverflow(by: inBytes ? try bytes(rateUnit) : 1)
        let burstUnit = try body.optional("burst_unit")?.string() ?? "bytes"
        let (burst, burstOverflow) = (try body.optional("burst")?.unsigned() ?? 0)
            .multipliedReportingOverflow(by: inBytes ? try bytes(burstUnit) : 1)
        guard !rateOverflow, !burstOverflow else { throw body.error("limit out of range") }
        let over = (try body.optional("inv")?.value as? Bool) ?? false
        return NftStatementText.limit(rate: rate, perSeconds: seconds, burst: burst, bytes: inBytes, over: over)
    }

    private static func quota(_ body: NftJSONNode) throws -> String {
        let unit = try body.optional("val_unit")?.string() ?? "bytes"
        guard let scale = NftStatementText.byteUnit(unit) else { throw body.error("unknown quota unit \(unit)") }
        let (bytes, overflow) = try body.required("val").unsigned().multipliedReportingOverflow(by: scale)
        guard !overflow else { throw body.error("quota out of range") }
        return NftStatementText.quota(bytes: bytes, over: (try body.optional("inv")?.value as? Bool) ?? false)
    }

    /// `meter NAME size N { KEY STATEMENT }`: a per-key rate (or quota) match.
    private static func meter(_ body: NftJSONNode, node: NftJSONNode, family: TableFamily) throws -> RuleElement {
        // A key with a per-element timeout comes as {"elem": {"val": KEY, "timeout": SECONDS}}.
        var keyNode = try body.required("key"), timeout = ""
        if let (name, elem) = try? keyNode.singleMember(), name == "elem" {
            keyNode = try elem.required("val")
            if let seconds = try elem.optional("timeout")?.unsigned() {
                let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
                guard !overflow else { throw elem.error("timeout out of range") }
                timeout = " timeout " + NftStatementText.duration(milliseconds: ms)
            }
        }
        guard let key = try NftJSONValues.selectors(keyNode, family: family) else {
            return unknown("meter", node)
        }
        let (name, statement) = try body.required("stmt").singleMember()
        let inner: String
        switch name {
        case "limit": inner = try limit(statement)
        case "quota": inner = try quota(statement)
        default: return unknown("meter", node)
        }
        return NftStatementText.stateMatch("meter", NftStatementText.meter(
            name: try body.required("name").string(), size: try body.optional("size")?.unsigned(),
            key: NftRuleText.fieldsText(key.map(\.field)) + timeout, statement: inner))
    }

    private static func queue(_ body: NftJSONNode) throws -> String? {
        guard !body.isNull, let num = try body.optional("num") else { return nil }
        switch try NftJSONValues.scalar(num, type: .integer(bigEndian: true)) {
        case .integer(let n): return String(n)
        case .range(let lo, let hi): return "\(lo)-\(hi)"
        default: throw num.error("unsupported queue number")
        }
    }
}
