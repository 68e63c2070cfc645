import VNetModel

/// One nf_tables expression of a rule as the kernel dumps it (NFTA_EXPR_NAME + NFTA_EXPR_DATA),
/// with the attributes the register-program decoder uses.
enum NftNetlinkExpression {
    case payloadLoad(dreg: UInt32, base: UInt32, offset: Int, length: Int)
    case metaLoad(dreg: UInt32, key: UInt32)
    case ctLoad(dreg: UInt32, key: UInt32, direction: UInt8?)
    case metaSet(sreg: UInt32, key: UInt32)
    case ctSet(sreg: UInt32, key: UInt32)
    case cmp(sreg: UInt32, op: UInt32, data: [UInt8])
    case bitwise(sreg: UInt32, dreg: UInt32, mask: [UInt8], xor: [UInt8])
    case range(sreg: UInt32, op: UInt32, from: [UInt8], to: [UInt8])
    case lookup(sreg: UInt32, set: String, dreg: UInt32?, inverted: Bool)
    case immediateVerdict(Action)
    case immediateData(dreg: UInt32, data: [UInt8])
    case counter(packets: UInt64, bytes: UInt64)
    case log(prefix: String?)
    /// A rate, quota or connection-count match (limit, quota, connlimit) as nft prints it.
    case stateMatch(name: String, text: String)
    /// `byteorder`: nft turns a host-order value to network order before `<`/`>` or a range on it.
    case byteorder(sreg: UInt32, dreg: UInt32, hostToNetwork: Bool, size: Int)
    /// `dynset`: adds the key in a register to a set, running `statement` per element (a meter).
    indirect case dynset(set: String, keyRegister: UInt32, timeoutMilliseconds: UInt64?, statement: NftNetlinkExpression?)
    /// A `fib` lookup into a register: the result key and the lookup flags.
    case fibLoad(dreg: UInt32, result: UInt32, flags: UInt32)
    case queue(number: String?)
    case reject(type: UInt32, code: UInt8)
    case nat(isDNAT: Bool, addressMin: UInt32?, addressMax: UInt32?, portMin: UInt32?, portMax: UInt32?, flags: UInt32)
    case masquerade(portMin: UInt32?, portMax: UInt32?, flags: UInt32)
    case redirect(portMin: UInt32?, portMax: UInt32?, flags: UInt32)
    case notrack
    case namedCounter(String)
    /// iptables-nft compat expression: `match` or `target`, the xtables extension and its blob.
    case xtables(kind: String, name: String, revision: UInt32, info: [UInt8])
    /// A load this decoder does not interpret (fib, rt, exthdr, socket...): later tests on it are unknown.
    case otherLoad(dreg: UInt32, name: String, text: String)
    case other(name: String, text: String)

    /// Parses one NFTA_LIST_ELEM of NFTA_RULE_EXPRESSIONS.
    static func parse(_ span: NetlinkBytes.Span, _ b: NetlinkBytes) throws -> NftNetlinkExpression {
        var name: String?
        var data: NetlinkBytes.Span?
        try b.forEachAttribute(in: span) { a in
            switch a.type {
            case 1: name = b.string(a.payload)
            case 2: data = a.payload
            default: break
            }
        }
        guard let name else { throw b.malformed(span.start, "expression without a name") }
        let body = data ?? NetlinkBytes.Span(start: span.end, end: span.end)
        var attrs = [NetlinkBytes.Span?](repeating: nil, count: 12)
        try b.forEachAttribute(in: body) { a in
            if Int(a.type) < attrs.count { attrs[Int(a.type)] = a.payload }
        }
        func u32(_ i: Int) throws -> UInt32? { try attrs[i].map { try b.be32($0, "\(name) attribute \(i)") } }
        func need(_ i: Int) throws -> UInt32 {
            guard let v = try u32(i) else { throw b.malformed(body.start, "\(name) without attribute \(i)") }
            return v
        }
        func value(_ i: Int) throws -> [UInt8] {
            guard let s = attrs[i] else { throw b.malformed(body.start, "\(name) without data attribute \(i)") }
            return try dataValue(s, b)
        }
        func text() -> String { "\(name) \(b.dump(body))" }
        switch name {
        case "payload":
            if attrs[5] != nil { return .other(name: name, text: text()) }  // payload write (mangle)
            return .payloadLoad(dreg: try need(1), base: try need(2), offset: Int(try need(3)), length: Int(try need(4)))
        case "meta":
            if let sreg = try u32(3) { return .metaSet(sreg: sreg, key: try need(2)) }
            return .metaLoad(dreg: try need(1), key: try need(2))
        case "ct":
            if let sreg = try u32(4) { return .ctSet(sreg: sreg, key: try need(2)) }
            return .ctLoad(dreg: try need(1), key: try need(2), direction: try attrs[3].map { try b.u8($0) })
        case "cmp":
            return .cmp(sreg: try need(1), op: try need(2), data: try value(3))
        case "bitwise":
            if let op = try u32(6), op != 0 { return .otherLoad(dreg: try need(2), name: name, text: text()) }
            return .bitwise(sreg: try need(1), dreg: try need(2), mask: try value(4), xor: try value(5))
        case "range":
            return .range(sreg: try need(1), op: try need(2), from: try value(3), to: try value(4))
        case "lookup":
            guard let set = attrs[1] else { throw b.malformed(body.start, "lookup without a set name") }
            return .lookup(sreg: try need(2), set: b.string(set), dreg: try u32(3), inverted: (try u32(5) ?? 0) & 1 != 0)
        case "immediate":
            guard let d = attrs[2] else { throw b.malformed(body.start, "immediate without data") }
            let dreg = try need(1)
            if let verdict = try verdictData(d, b) { return .immediateVerdict(verdict) }
            return dreg == 0 ? .other(name: name, text: text()) : .immediateData(dreg: dreg, data: try dataValue(d, b))
        case "counter":
            return .counter(packets: try attrs[2].map { try b.be64($0) } ?? 0, bytes: try attrs[1].map { try b.be64($0) } ?? 0)
        case "log":
            return .log(prefix: attrs[2].map { b.string($0) })
        case "limit":
            typealias L = NftKernel.Limit
            let rate = try attrs[L.rate].map { try b.be64($0) } ?? 0, unit = try attrs[L.unit].map { try b.be64($0) } ?? 1
            let text = NftStatementText.limit(rate: rate, perSeconds: unit, burst: UInt64(try u32(L.burst) ?? 0),
                                              bytes: try u32(L.type) == L.typeBytes,
                                              over: (try u32(L.flags) ?? 0) & L.flagInverted != 0)
            return .stateMatch(name: name, text: text)
        case "quota":
            typealias Q = NftKernel.Quota
            let text = NftStatementText.quota(bytes: try attrs[Q.bytes].map { try b.be64($0) } ?? 0,
                                              over: (try u32(Q.flags) ?? 0) & Q.flagInverted != 0)
            return .stateMatch(name: name, text: text)
        case "connlimit":
            typealias C = NftKernel.Connlimit
            let text = NftStatementText.connectionCount(UInt64(try need(C.count)),
                                                        over: (try u32(C.flags) ?? 0) & C.flagInverted != 0)
            return .stateMatch(name: "ct count", text: text)
        case "byteorder":
            typealias O = NftKernel.Byteorder
            return .byteorder(sreg: try need(O.sreg), dreg: try need(O.dreg), hostToNetwork: try need(O.op) == O.hostToNetwork,
                              size: Int(try need(O.size)))
        case "dynset":
            typealias D = NftKernel.Dynset
            guard let set = attrs[D.setName] else { throw b.malformed(body.start, "dynset without a set name") }
            var statement: NftNetlinkExpression?
            if let inner = attrs[D.expression] { statement = try parse(inner, b) }
            return .dynset(set: b.string(set), keyRegister: try need(D.keyRegister),
                           timeoutMilliseconds: try attrs[D.timeout].map { try b.be64($0) }, statement: statement)
        case "fib":
            typealias F = NftKernel.Fib
            return .fibLoad(dreg: try need(F.dreg), result: try need(F.result), flags: try u32(F.flags) ?? 0)
        case "queue":
            if attrs[4] != nil { return .other(name: name, text: text()) }
            let num = try attrs[1].map { try b.be16($0) }, total = try attrs[2].map { try b.be16($0) } ?? 1
            return .queue(number: num.map { total > 1 ? "\($0)-\(UInt32($0) + UInt32(total) - 1)" : "\($0)" })
        case "reject":
            return .reject(type: try need(1), code: try attrs[2].map { try b.u8($0) } ?? 0)
        case "nat":
            return .nat(isDNAT: try need(1) == 1, addressMin: try u32(3), addressMax: try u32(4), portMin: try u32(5),
                        portMax: try u32(6), flags: try u32(7) ?? 0)
        case "masq":
            return .masquerade(portMin: try u32(2), portMax: try u32(3), flags: try u32(1) ?? 0)
        case "redir":
            return .redirect(portMin: try u32(1), portMax: try u32(2), flags: try u32(3) ?? 0)
        case "notrack":
            return .notrack
        case "objref":
            if try u32(1) == 1, let n = attrs[2] { return .namedCounter(b.string(n)) }
            return .other(name: name, text: text())
        case "match", "target":
            guard let n = attrs[1] else { throw b.malformed(body.start, "\(name) without an extension name") }
            return .xtables(kind: name, name: b.string(n), revision: try u32(2) ?? 0, info: attrs[3].map(b.bytes) ?? [])
        case "exthdr", "rt", "socket", "osf", "hash", "numgen", "xfrm", "tunnel", "inner", "last":
            if let dreg = try u32(1) { return .otherLoad(dreg: dreg, name: name, text: text()) }
            return .other(name: name, text: text())
        default:
            return .other(name: name, text: text())
        }
    }

    /// NFTA_DATA_VALUE bytes of a data attribute (nested NFTA_DATA_*).
    static func dataValue(_ span: NetlinkBytes.Span, _ b: NetlinkBytes) throws -> [UInt8] {
        var value: [UInt8]?
        try b.forEachAttribute(in: span) { a in if a.type == 1 { value = b.bytes(a.payload) } }
        guard let value else { throw b.malformed(span.start, "data without a value") }
        return value
    }

    /// The verdict of a data attribute holding NFTA_DATA_VERDICT, nil if it holds a value.
    static func verdictData(_ span: NetlinkBytes.Span, _ b: NetlinkBytes) throws -> Action? {
        var verdict: NetlinkBytes.Span?
        try b.forEachAttribute(in: span) { a in if a.type == 2 { verdict = a.payload } }
        guard let verdict else { return nil }
        var code: UInt32?
        var chain: String?
        try b.forEachAttribute(in: verdict) { a in
            switch a.type {
            case 1: code = try b.be32(a.payload, "verdict code")
            case 2: chain = b.string(a.payload)
            default: break
            }
        }
        guard let code else { throw b.malformed(verdict.start, "verdict without a code") }
        switch Int32(bitPattern: code) {
        case 0: return .drop
        case 1: return .accept
        case 3: return .queue(nil)
        case -1: return .continue
        case -5: return .return
        case -3, -4:
            guard let chain else { throw b.malformed(verdict.start, "jump/goto without a chain") }
            return code == UInt32(bitPattern: -3) ? .jump(chain) : .goto(chain)
        default: throw b.malformed(verdict.start, "unknown verdict code \(Int32(bitPattern: code))")
        }
    }
}
