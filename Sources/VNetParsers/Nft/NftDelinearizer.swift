import VNetModel

/// Turns one rule's register program (loads into registers, then cmp/lookup/range on them, then
/// statements) back into nft-level matches and actions, the way nft does before printing JSON:
/// loads are named by the protocol context, and protocol matches that only exist as dependencies
/// of a later header load (`meta l4proto tcp` before `tcp dport`) are dropped.
struct NftDelinearizer {
    let family: TableFamily
    let values: NftNetlinkValues
    let sets: [String: NftNetlinkSet]
    let compat: NftCompatExpression.Cache

    /// A value loaded into a register: where from, and a bitwise mask applied to it.
    private struct Loaded {
        var selector: NftSelector?
        /// What the load was, for evidence text when the selector is unknown.
        var name: String
        var text: String
        var length: Int
        var mask: [UInt8]?
        var xor: [UInt8]?
        /// Merged loads of adjacent fields: each field's byte offset inside the load.
        var parts: [(offset: Int, selector: NftSelector)]?
        /// A header load no whole field matches: a bit field (`ip dscp`) once a mask names it.
        var site: (proto: String, base: NftPayloadBase, offset: Int)?
        /// Set by `byteorder hton`: the register holds the value in network order, in units of this many bytes.
        var swappedUnit: Int?
    }

    private enum Register {
        case loaded(Loaded)
        case immediate([UInt8])
        case mapped(String)
    }

    private var registers: [Int: Register] = [:]
    private var elements: [RuleElement?] = []
    private var counters: Counters?
    /// `-m comment` text of an iptables-nft compat match.
    private var comment: String?
    private var network: String?
    private var networkDependency: Int?
    private var transport: UInt64?
    private var transportDependency: Int?
    /// `meta iiftype ether`, which nft adds before link-layer loads outside bridge/netdev tables.
    private var linkDependency: Int?
    private var lastGreaterOrEqual: (unit: Int, index: Int, low: [UInt8])?

    init(family: TableFamily, values: NftNetlinkValues, sets: [String: NftNetlinkSet], compat: NftCompatExpression.Cache) {
        self.family = family
        self.values = values
        self.sets = sets
        self.compat = compat
        switch family {
        case .ip: network = "ip"
        case .ip6: network = "ip6"
        case .arp: network = "arp"
        default: network = nil
        }
    }

    /// Decodes a whole rule; nothing is dropped silently (unknown pieces become `.unknown`).
    static func decode(_ program: [NftNetlinkExpression], family: TableFamily, values: NftNetlinkValues,
                       sets: [String: NftNetlinkSet], compat: NftCompatExpression.Cache) -> NftRuleParts {
        var d = NftDelinearizer(family: family, values: values, sets: sets, compat: compat)
        for expression in program { d.apply(expression) }
        return NftRuleParts(elements: d.elements.compactMap { $0 }, counters: d.counters, compatComment: d.comment)
    }

    /// 4-byte register units: NFT_REG_1..4 are 16 bytes each, NFT_REG32_00..15 four bytes each.
    private static func unit(_ reg: UInt32) -> Int? {
        switch reg {
        case 1...4: return Int(reg - 1) * 4
        case 8...23: return Int(reg - 8)
        default: return nil
        }
    }

    private mutating func store(_ reg: UInt32, _ value: Register, length: Int) {
        guard let u = Self.unit(reg) else { return }
        // Registers hold at most 64 bytes; a longer claimed length is clamped, never looped over.
        for i in u..<(u + max(1, (min(length, 64) + 3) / 4)) { registers[i] = nil }
        registers[u] = value
    }

    private mutating func emit(_ element: RuleElement) {
        elements.append(element)
        lastGreaterOrEqual = nil
    }

    private mutating func unknown(_ name: String, _ text: String) {
        emit(.unknown(UnknownElement(kind: "expression", name: name, text: text, mayAffectVerdict: true)))
    }

    private mutating func apply(_ e: NftNetlinkExpression) {
        switch e {
        case .payloadLoad(let dreg, let base, let offset, let length):
            load(dreg, payload: base, offset: offset, length: length)
        case .metaLoad(let dreg, let key):
            let sel = NftMetaKey.selector(number: key)
            let name = NftMetaKey.name(key) ?? "key \(key)"
            store(dreg, .loaded(Loaded(selector: sel, name: "meta", text: "meta \(name)", length: sel?.length ?? 4)),
                  length: sel?.length ?? 4)
        case .ctLoad(let dreg, let key, let direction):
            let dir = direction.flatMap { NftSymbols.ctDirections.name(UInt64($0)) }
            let fam: AddressFamily? = network == "ip" ? .ipv4 : network == "ip6" ? .ipv6 : nil
            let sel = NftCtKey.selector(number: key, direction: dir, family: fam)
            store(dreg, .loaded(Loaded(selector: sel, name: "ct", text: "ct key \(key)", length: sel?.length ?? 4)),
                  length: sel?.length ?? 4)
        case .otherLoad(let dreg, let name, let text):
            store(dreg, .loaded(Loaded(selector: nil, name: name, text: text, length: 16)), length: 16)
        case .bitwise(let sreg, let dreg, let mask, let xor):
            guard let u = Self.unit(sreg), case .loaded(var l)? = registers[u], l.mask == nil else {
                store(dreg, .loaded(Loaded(selector: nil, name: "bitwise", text: "bitwise on a computed value", length: mask.count)),
                      length: mask.count)
                return
            }
            l.mask = mask
            l.xor = xor
            store(dreg, .loaded(l), length: l.length)
        case .immediateData(let dreg, let data):
            store(dreg, .immediate(data), length: data.count)
        case .immediateVerdict(let verdict):
            emit(.action(verdict))
        case .cmp(let sreg, let op, let data):
            compare(sreg, op: op, data: data)
        case .range(let sreg, let op, let from, let to):
            range(sreg, inverted: op == 1, from: from, to: to)
        case .lookup(let sreg, let set, let dreg, let inverted):
            lookup(sreg, setName: set, dreg: dreg, inverted: inverted)
        case .counter(let packets, let bytes):
            emit(.action(.counter))
            counters = NftRuleParts.sum(counters, packets: packets, bytes: bytes)
        case .log(let prefix):
            emit(.action(.log(prefix: prefix)))
        case .stateMatch(let name, let text):
            emit(NftStatementText.stateMatch(name, text))
        case .byteorder(let sreg, let dreg, let hostToNetwork, let size):
            guard hostToNetwork, let u = Self.unit(sreg), case .loaded(var l)? = registers[u], l.swappedUnit == nil else {
                store(dreg, .loaded(Loaded(selector: nil, name: "byteorder", text: "byteorder of a computed value", length: 4)),
                      length: 4)
                return
            }
            l.swappedUnit = size
            store(dreg, .loaded(l), length: l.length)
        case .dynset(let set, let keyRegister, let timeout, let statement):
            meter(set: set, keyRegister: keyRegister, timeoutMilliseconds: timeout, statement: statement,
                  text: "dynset of set \(set) from register \(keyRegister)")
        case .fibLoad(let dreg, let result, let flags):
            let sel = NftFibKey.selector(result: result, flags: flags)
            store(dreg, .loaded(Loaded(selector: sel, name: "fib", text: "fib result \(result) flags \(flags)",
                                       length: sel?.length ?? 4)), length: sel?.length ?? 4)
        case .queue(let number):
            emit(.action(.queue(number)))
        case .reject(let type, let code):
            if type == 0 { consumeNetworkDependency() }  // icmp/icmpv6 replies imply their family
            emit(.action(.reject(with: NftStatementText.reject(type: type, code: code, ipv6: network == "ip6"))))
        case .nat(let isDNAT, let aMin, let aMax, let pMin, let pMax, let flags):
            nat(isDNAT ? "dnat" : "snat", addressMin: aMin, addressMax: aMax, portMin: pMin, portMax: pMax, flags: flags)
        case .masquerade(let pMin, let pMax, let flags):
            nat("masquerade", addressMin: nil, addressMax: nil, portMin: pMin, portMax: pMax, flags: flags)
        case .redirect(let pMin, let pMax, let flags):
            nat("redirect", addressMin: nil, addressMax: nil, portMin: pMin, portMax: pMax, flags: flags)
        case .notrack:
            emit(.action(.notrack))
        case .namedCounter(let name):
            emit(.action(.statement(name: "counter", detail: "name \(NftRuleText.quoted(name))")))
        case .metaSet(let sreg, let key):
            let sel = NftMetaKey.selector(number: key)
            set(sel, sreg: sreg, isMark: key == 3, isCt: false, fallback: "meta key \(key)")
        case .ctSet(let sreg, let key):
            let sel = NftCtKey.selector(number: key, direction: nil, family: nil)
            set(sel, sreg: sreg, isMark: key == 3, isCt: true, fallback: "ct key \(key)")
        case .xtables(let kind, let name, let revision, let info):
            let decoded = compat.decode(kind: kind, name: name, revision: revision, info: info,
                                                     family: family, transport: transport)
            for element in decoded.elements {
                if case .action(.counter) = element { continue }  // the rule's own counter expression counts
                emit(element)
            }
            if let text = decoded.comment { comment = comment.map { $0 + "; " + text } ?? text }
        case .other(let name, let text):
            unknown(name, text)
        }
    }

    // MARK: loads

    private mutating func load(_ dreg: UInt32, payload base: UInt32, offset: Int, length: Int) {
        let text = "payload base \(base) offset \(offset) length \(length)"
        var loaded = Loaded(selector: nil, name: "payload", text: text, length: length)
        if let b = NftPayloadBase(rawValue: base) {
            loaded.selector = NftHeaderField.raw(base: b, offsetBits: offset * 8, lengthBits: length * 8)
            let proto: String?
            switch b {
            case .link: proto = "ether"
            case .network: proto = network
            case .transport: proto = transport.map { NftHeaderField.transportName($0) ?? "" } ?? "th"
            case .inner: proto = nil
            }
            let fields = proto.flatMap { p in
                NftHeaderField.at(p, base: b, offset: offset, length: length).map { [$0] }
                    ?? NftHeaderField.sequence(p, base: b, offset: offset, length: length)
            }
            if fields == nil, let proto { loaded.site = (proto, b, offset) }
            if let fields {
                if fields.count == 1 { loaded.selector = fields[0].selector } else {
                    loaded.selector = nil
                    loaded.parts = fields.map { ($0.offset - offset, $0.selector) }
                }
                if b == .network { consumeNetworkDependency() }
                if b == .link, let idx = linkDependency {
                    elements[idx] = nil
                    linkDependency = nil
                }
                if b == .transport, let idx = transportDependency {
                    elements[idx] = nil
                    transportDependency = nil
                    // icmp and icmpv6 only exist in one family: their nfproto dependency goes too.
                    if (proto == "icmp" && network == "ip") || (proto == "icmpv6" && network == "ip6") {
                        consumeNetworkDependency()
                    }
                }
            }
        }
        store(dreg, .loaded(loaded), length: length)
    }

    private mutating func consumeNetworkDependency() {
        if let idx = networkDependency { elements[idx] = nil }
        networkDependency = nil
    }

    /// Records `meta nfproto`/`meta protocol`/`ether type` and `meta l4proto`/`ip protocol`/
    /// `ip6 nexthdr` equality matches as the protocol context later loads are named by.
    private mutating func noteDependency(_ m: Match, at index: Int) {
        guard m.op == .eq, case .integer(let n) = m.value else { return }
        switch m.field.rawValue {
        case "meta.nfproto":
            guard let name = n == 2 ? "ip" : n == 10 ? "ip6" : nil else { return }
            network = name
            networkDependency = index
        case "meta.protocol", "ether.type":
            guard let name = n == 0x0800 ? "ip" : n == 0x86dd ? "ip6" : n == 0x0806 ? "arp" : nil else { return }
            network = name
            networkDependency = index
        case "meta.l4proto":
            transport = n
            transportDependency = index
        case "ip.protocol", "ip6.nexthdr":
            // Names later transport loads; only ip/ip6 tables use it as the implicit dependency.
            transport = n
            if family == .ip || family == .ip6 { transportDependency = index }
        case "meta.iiftype":
            if n == 1 { linkDependency = index }
        default:
            return
        }
    }

    // MARK: comparisons

    private static let cmpOps: [UInt32: MatchOp] = [0: .eq, 1: .ne, 2: .lt, 3: .le, 4: .gt, 5: .ge]

    private mutating func compare(_ sreg: UInt32, op code: UInt32, data wire: [UInt8]) {
        guard let op = Self.cmpOps[code], let u = Self.unit(sreg), case .loaded(let l)? = registers[u] else {
            return unknown("cmp", "cmp op \(code) register \(sreg) 0x" + NetlinkBytes.hex(wire))
        }
        let data = Self.hostOrder(wire, l)
        if let parts = l.parts, op == .eq, l.mask == nil, data.count == l.length {
            for (offset, sel) in parts {
                let slice = Array(data[offset..<min(offset + sel.length, data.count)])
                guard let (partOp, value) = compareValue(Loaded(selector: sel, name: l.name, text: l.text, length: sel.length),
                                                         sel, op: op, data: slice) else { continue }
                let index = elements.count
                let match = Match(sel.field, partOp, value)
                emit(.match(match))
                noteDependency(match, at: index)
            }
            return
        }
        let sel: NftSelector
        var (finalOp, finalValue): (MatchOp, MatchValue)
        // A bit field compares as a plain number, so `>=`/`<=` pairs on it merge into a range too.
        let bits = bitField(l)
        if let bits {
            if bits.base == .network { consumeNetworkDependency() }
            sel = bits.selector
            (finalOp, finalValue) = (op, .integer(bits.value(of: data)))
        } else {
            guard let loadedSel = l.selector, let value = compareValue(l, loadedSel, op: op, data: data) else {
                return unknown(l.name, "\(l.text) cmp op \(code) 0x" + NetlinkBytes.hex(data))
            }
            sel = loadedSel
            (finalOp, finalValue) = value
        }
        let plain = l.mask == nil || bits != nil
        // `tcp dport 1000-2000` is linearized as `>= 1000` then `<= 2000` on the same register.
        if op == .le, let ge = lastGreaterOrEqual, ge.unit == u, plain {
            elements[ge.index] = nil
            let lowValue = values.value(ge.low[...], type: sel.type)
            if case .prefix(let lo) = lowValue, case .prefix(let hi) = finalValue {
                finalValue = .addressRange(low: lo.network, high: hi.network)
            } else if let bits {
                finalValue = .range(low: bits.value(of: ge.low), high: bits.value(of: data))
            } else {
                let big = NftNetlinkValues.isBigEndian(sel.type)
                finalValue = .range(low: NftNetlinkValues.number(ge.low[...], bigEndian: big),
                                    high: NftNetlinkValues.number(data[...], bigEndian: big))
            }
            finalOp = .eq
        }
        let match = Match(sel.field, finalOp, finalValue)
        let index = elements.count
        emit(.match(match))
        noteDependency(match, at: index)
        if op == .ge && plain { lastGreaterOrEqual = (u, index, data) }
    }

    /// Compared bytes as the loaded value's own byte order: undoes a `byteorder hton` unit by unit.
    private static func hostOrder(_ data: [UInt8], _ l: Loaded) -> [UInt8] {
        guard let unit = l.swappedUnit, unit > 1 else { return data }
        return stride(from: 0, to: data.count, by: unit).flatMap { data[$0..<min($0 + unit, data.count)].reversed() }
    }

    /// The bit field a masked header load reads (`ip dscp`: the byte masked with 0xfc); nil when the
    /// load and mask name none.
    private func bitField(_ l: Loaded) -> NftHeaderField? {
        guard let site = l.site, let mask = l.mask, l.xor.map({ $0.allSatisfy { $0 == 0 } }) ?? true else { return nil }
        return NftHeaderField.bitField(site.proto, base: site.base, offset: site.offset, length: l.length,
                                       mask: NftNetlinkValues.number(mask.prefix(l.length), bigEndian: true))
    }

    /// The model operator and value of `loaded <op> data`, nil when it has no model form.
    private func compareValue(_ l: Loaded, _ sel: NftSelector, op: MatchOp, data: [UInt8]) -> (MatchOp, MatchValue)? {
        if let mask = l.mask {
            guard l.xor.map({ $0.allSatisfy { $0 == 0 } }) ?? true else { return nil }
            if sel.type.addressFamily != nil {
                var full = mask + [UInt8](repeating: 0, count: max(0, sel.length - mask.count))
                full = Array(full.prefix(sel.length))
                guard let bits = NftNetlinkSet.prefixLength([UInt8](repeating: 0, count: full.count)[...],
                                                            full.map { ~$0 }[...]) else { return nil }
                return (op, values.value(data[...], type: sel.type, prefixBits: bits))
            }
            let big = NftNetlinkValues.isBigEndian(sel.type)
            let m = NftNetlinkValues.number(mask[...], bigEndian: big), v = NftNetlinkValues.number(data[...], bigEndian: big)
            if let bits = sel.type.flagBits {
                let maskNames = NftSymbols.flagNames(m, bits)
                if v == 0 && (op == .ne || op == .eq) { return (op == .ne ? .eq : .ne, .flags(maskNames)) }
                return (op, .flagsMasked(mask: maskNames, set: NftSymbols.flagNames(v, bits)))
            }
            return (op, .maskedInteger(value: v, mask: m))
        }
        if sel.type.addressFamily != nil, l.length < sel.length {
            return (op, values.value(data[...], type: sel.type, prefixBits: l.length * 8))
        }
        let value = values.value(data[...], type: sel.type)
        if sel.type == .tcpFlags, case .flags(let set) = value {
            return (op, .flagsMasked(mask: NftSymbols.tcpFlagBits.pairs.map(\.0).sorted(), set: set))
        }
        return (op, value)
    }

    private mutating func range(_ sreg: UInt32, inverted: Bool, from: [UInt8], to: [UInt8]) {
        guard let u = Self.unit(sreg), case .loaded(let l)? = registers[u], let sel = l.selector, l.mask == nil else {
            return unknown("range", "range register \(sreg) 0x\(NetlinkBytes.hex(from))-0x\(NetlinkBytes.hex(to))")
        }
        let value = NftNetlinkSet.range(Self.hostOrder(from, l)[...], Self.hostOrder(to, l)[...], type: sel.type, values: values)
        emit(.match(Match(sel.field, inverted ? .ne : .eq, value)))
    }

    // MARK: sets and maps

    private mutating func lookup(_ sreg: UInt32, setName: String, dreg: UInt32?, inverted: Bool) {
        guard let set = sets[setName], let start = Self.unit(sreg) else {
            return unknown("lookup", "lookup of unknown set \(setName) from register \(sreg)")
        }
        // A set of bit-field values (`ip dscp { cs0, af41 }`) holds them in place, as the masked bytes.
        if set.keyTypes.count == 1, !set.isInterval, case .loaded(let l)? = registers[start], let bits = bitField(l) {
            if bits.base == .network { consumeNetworkDependency() }
            let keys = set.elements.map { MatchValue.integer(bits.value(of: $0.key)) }
            let value: MatchValue = set.isAnonymous ? .set(NftValueOrder.sorted(keys)) : .namedSet(setName)
            return emit(.match(Match(bits.selector.field, inverted ? .ne : .eq, value)))
        }
        guard let selectors = keySelectors(from: start, count: set.keyTypes.count) else {
            return unknown("lookup", "lookup into \(setName) of a value this decoder cannot name")
        }
        let fields = selectors.map(\.field)
        let entries = set.isAnonymous ? set.entries(types: selectors.map(\.type), values: values) : []
        if let dreg, dreg != 0 {
            store(dreg, .mapped(setName), length: 16)
            return
        }
        if dreg == 0 {
            let map = entries.compactMap { e in e.element.verdict.map { VerdictMapEntry(key: e.key, verdict: $0) } }
            emit(.action(.verdictMap(key: fields, entries: NftValueOrder.sorted(map),
                                     namedMap: set.isAnonymous ? nil : setName)))
            return
        }
        let value: MatchValue = set.isAnonymous ? .set(NftValueOrder.sorted(entries.map(\.key))) : .namedSet(setName)
        emit(.match(Match(NftSelector.concatenationField(selectors), inverted ? .ne : .eq, value)))
    }

    /// The selectors of a (concatenated) key of `count` parts loaded into registers from unit `start`.
    private func keySelectors(from start: Int, count: Int) -> [NftSelector]? {
        var selectors: [NftSelector] = []
        var u = start
        for _ in 0..<count {
            guard case .loaded(let l)? = registers[u], let sel = l.selector, l.mask == nil else { return nil }
            selectors.append(sel)
            u += (l.length + 3) / 4
        }
        return selectors
    }

    /// `meter NAME size N { KEY [timeout T] STATEMENT }`: a dynset running a limit or quota per key.
    /// Other dynsets (`add @set`, `update @set`) stay unknown expressions.
    private mutating func meter(set setName: String, keyRegister: UInt32, timeoutMilliseconds: UInt64?,
                                statement: NftNetlinkExpression?, text: String) {
        guard case .stateMatch(_, let inner)? = statement, let set = sets[setName], let start = Self.unit(keyRegister),
              let key = keySelectors(from: start, count: set.keyTypes.count) else {
            return unknown("dynset", text)
        }
        // The kernel sends a timeout of 0 for "none".
        let timeout = timeoutMilliseconds.flatMap { $0 == 0 ? nil : " timeout " + NftStatementText.duration(milliseconds: $0) } ?? ""
        emit(NftStatementText.stateMatch("meter", NftStatementText.meter(
            name: setName, size: set.size.map(UInt64.init), key: NftRuleText.fieldsText(key.map(\.field)) + timeout, statement: inner)))
    }

    // MARK: statements

    private func immediate(_ reg: UInt32?) -> [UInt8]? {
        guard let reg, let u = Self.unit(reg), case .immediate(let bytes)? = registers[u] else { return nil }
        return bytes
    }

    private mutating func nat(_ kind: String, addressMin: UInt32?, addressMax: UInt32?, portMin: UInt32?,
                              portMax: UInt32?, flags: UInt32) {
        var addresses: AddressRange?
        var ports: PortRange?
        if let addressMin {
            guard let lo = immediate(addressMin).flatMap(IPAddress.init(bytes:)),
                  let hi = immediate(addressMax ?? addressMin).flatMap(IPAddress.init(bytes:)) else {
                return unknown(kind, "\(kind) with addresses computed at run time (map or expression)")
            }
            addresses = AddressRange(low: lo, high: hi)
        }
        if let portMin {
            guard let lo = immediate(portMin), let hi = immediate(portMax ?? portMin), lo.count >= 2, hi.count >= 2 else {
                return unknown(kind, "\(kind) with ports computed at run time")
            }
            ports = PortRange(low: Int(NftNetlinkValues.number(lo.prefix(2), bigEndian: true)),
                              high: Int(NftNetlinkValues.number(hi.prefix(2), bigEndian: true)))
        }
        let names = NftStatementText.natFlagNames(flags)
        switch kind {
        case "snat": emit(.action(.snat(addresses: addresses, ports: ports, flags: names)))
        case "dnat": emit(.action(.dnat(addresses: addresses, ports: ports, flags: names)))
        case "masquerade": emit(.action(.masquerade(ports: ports, flags: names)))
        default: emit(.action(.redirect(ports: ports, flags: names)))
        }
    }

    /// `meta KEY set ...` / `ct KEY set ...`: marks become setMark/setCtMark, the rest statements.
    private mutating func set(_ key: NftSelector?, sreg: UInt32, isMark: Bool, isCt: Bool, fallback: String) {
        guard let key, let u = Self.unit(sreg), let source = registers[u] else {
            return unknown(isCt ? "ct" : "meta", "\(fallback) set from register \(sreg)")
        }
        func mark(_ value: UInt64, _ mask: UInt64?) {
            emit(.action(isCt ? .setCtMark(value: value, mask: mask) : .setMark(value: value, mask: mask)))
        }
        switch source {
        case .immediate(let bytes):
            if isMark { return mark(NftNetlinkValues.number(bytes[...], bigEndian: false), nil) }
            let v = values.value(bytes[...], type: key.type)
            emit(.action(.statement(name: "\(NftRuleText.fieldText(key.field)) set", detail: NftRuleText.value(v))))
        case .loaded(let l):
            if isMark, let m = l.mask, let x = l.xor, l.selector?.field == key.field {
                let maskValue = NftNetlinkValues.number(m[...], bigEndian: false)
                return mark(NftNetlinkValues.number(x[...], bigEndian: false), ~maskValue & 0xffff_ffff)
            }
            guard let sel = l.selector, l.mask == nil else {
                return unknown(isCt ? "ct" : "meta", "\(fallback) set from \(l.text)")
            }
            emit(.action(.statement(name: "\(NftRuleText.fieldText(key.field)) set", detail: NftRuleText.fieldText(sel.field))))
        case .mapped(let name):
            unknown(isCt ? "ct" : "meta", "\(fallback) set from map \(name)")
        }
    }
}
