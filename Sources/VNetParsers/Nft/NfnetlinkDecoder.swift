import VNetModel

/// Raw nfnetlink dump messages -> tables of the neutral model.
///
/// The input is what `NftablesReader` received, concatenated: an NFT_MSG_NEWGEN reply, an
/// RTM_NEWLINK dump (interface names for `iif`/`oif` matches), then the table, chain, set, set
/// element and rule dumps, then a second NEWGEN reply. Equal generation ids before and after prove
/// the dumps show one ruleset; a stream that does not end with the closing NEWGEN is cut off.
public enum NfnetlinkDecoder {
    public static func decode(_ messages: [UInt8], file: String) throws -> [FirewallTable] {
        try messages.withUnsafeBytes { raw in
            var state = NfnetlinkDumpState(bytes: NetlinkBytes(raw: raw), file: file)
            return try state.decode()
        }
    }
}

/// Message types and flags used by the dump (linux/netlink.h, nfnetlink.h, nf_tables.h).
enum NfnetlinkMessage {
    static let done: UInt16 = 3, error: UInt16 = 2, noop: UInt16 = 1, overrun: UInt16 = 4
    static let routeNewLink: UInt16 = 16
    static let nftablesSubsystem: UInt16 = 10
    static let newTable: UInt16 = 0, newChain: UInt16 = 3, newRule: UInt16 = 6, newSet: UInt16 = 9
    static let newSetElement: UInt16 = 12, newGeneration: UInt16 = 15
    static let flagMulti: UInt16 = 0x2, flagDumpInterrupted: UInt16 = 0x10

    /// nfgenmsg family numbers (NFPROTO_*).
    static func family(_ n: UInt8) -> TableFamily? {
        [1: TableFamily.inet, 2: .ip, 3: .arp, 5: .netdev, 7: .bridge, 10: .ip6][n]
    }
}

struct NfnetlinkDumpState {
    private struct SetKey: Hashable { let family: TableFamily; let table: String }

    let bytes: NetlinkBytes
    let file: String
    private var builder = NftRulesetBuilder()
    private var sets: [SetKey: [String: NftNetlinkSet]] = [:]
    private var setOrder: [(SetKey, String)] = []
    private var interfaceNames: [UInt32: String] = [:]
    private let compat = NftCompatExpression.Cache()
    private var generations: [UInt32] = []
    private var openDump = false
    private var lastWasGeneration = false
    private var messageIndex = 0
    private var messageStart = 0

    init(bytes: NetlinkBytes, file: String) {
        self.bytes = bytes
        self.file = file
    }

    mutating func decode() throws -> [FirewallTable] {
        let count = bytes.raw.count
        var at = 0
        while at < count {
            messageStart = at
            let remaining = count - at
            guard remaining >= 16 else { throw failure(.truncated, at, "message header cut off after \(remaining) bytes") }
            let length = Int(bytes.hostU32(at: at))
            guard length >= 16 else { throw failure(.malformed, at, "message length \(length) below the 16-byte header") }
            guard length <= remaining else {
                throw failure(.truncated, at, "message of \(length) bytes cut off after \(remaining)")
            }
            let type = bytes.hostU16(at: at + 4), flags = bytes.hostU16(at: at + 6)
            do {
                try message(type: type, flags: flags, payload: NetlinkBytes.Span(start: at + 16, end: at + length))
            } catch let f as NetlinkBytes.Failure {
                throw failure(f.kind, f.offset, f.message)
            }
            at += min((length + 3) & ~3, remaining)
            messageIndex += 1
        }
        if openDump { throw failure(.truncated, count, "input ends inside a dump (no NLMSG_DONE)") }
        guard lastWasGeneration, generations.count >= 2, let last = generations.last else {
            throw failure(.truncated, count, "input ends before the closing generation message")
        }
        if let first = generations.first, first != last {
            throw failure(.dumpFailed, count, "ruleset changed while it was dumped (generation \(first) -> \(last))")
        }
        for (key, name) in setOrder {
            guard let set = sets[key]?[name], !set.isAnonymous else { continue }
            let values = NftNetlinkValues(interfaceNames: interfaceNames)
            let elements = set.entries(types: set.keyTypes, values: values).map { entry in
                SetElement(key: entry.key,
                           data: entry.element.data.map { data in
                               NftNetlinkSet.range(data[...], data[...], type: set.dataTypes.first ?? .integer(bigEndian: false),
                                                   values: values)
                           },
                           verdict: entry.element.verdict)
            }
            _ = builder.add(NamedSet(name: set.name, handle: set.handle, keyType: set.keyTypes.map(\.name),
                                     mapType: set.mapType, flags: NftStatementText.setFlagNames(set.flags),
                                     elements: NftValueOrder.sorted(elements)),
                            family: key.family, table: key.table)
        }
        return builder.result
    }

    private func failure(_ kind: NftDecodingError.Kind, _ offset: Int, _ message: String) -> NftDecodingError {
        NftDecodingError(kind, file: file, location: "message \(messageIndex) (at byte \(messageStart)), byte \(offset)",
                         message: message)
    }

    private mutating func message(type: UInt16, flags: UInt16, payload: NetlinkBytes.Span) throws {
        lastWasGeneration = false
        switch type {
        case NfnetlinkMessage.noop:
            return
        case NfnetlinkMessage.done:
            openDump = false
            return
        case NfnetlinkMessage.error:
            let code = Int32(bitPattern: try bytes.hostU32(payload, "error code"))
            if code != 0 { throw NetlinkBytes.Failure(kind: .dumpFailed, offset: payload.start, message: "kernel answered errno \(-code)") }
            return
        case NfnetlinkMessage.overrun:
            throw NetlinkBytes.Failure(kind: .dumpFailed, offset: payload.start, message: "netlink overrun: messages were lost")
        case NfnetlinkMessage.routeNewLink:
            try link(payload)
            return
        default:
            break
        }
        guard type >> 8 == NfnetlinkMessage.nftablesSubsystem else {
            throw bytes.malformed(payload.start, "unexpected message type 0x\(String(type, radix: 16))")
        }
        guard flags & NfnetlinkMessage.flagDumpInterrupted == 0 else {
            throw NetlinkBytes.Failure(kind: .dumpFailed, offset: payload.start,
                                       message: "dump interrupted: the ruleset changed while it was read")
        }
        if flags & NfnetlinkMessage.flagMulti != 0 { openDump = true }
        guard payload.count >= 4 else { throw bytes.malformed(payload.start, "no nfgenmsg header") }
        let attrs = NetlinkBytes.Span(start: payload.start + 4, end: payload.end)
        let kind = type & 0xff
        if kind == NfnetlinkMessage.newGeneration {
            try generation(attrs)
            lastWasGeneration = true
            return
        }
        guard let family = NfnetlinkMessage.family(bytes.raw[payload.start]) else {
            throw bytes.malformed(payload.start, "unknown family \(bytes.raw[payload.start])")
        }
        switch kind {
        case NfnetlinkMessage.newTable: try table(attrs, family: family)
        case NfnetlinkMessage.newChain: try chain(attrs, family: family)
        case NfnetlinkMessage.newSet: try set(attrs, family: family)
        case NfnetlinkMessage.newSetElement: try setElements(attrs, family: family)
        case NfnetlinkMessage.newRule: try rule(attrs, family: family)
        default: throw bytes.malformed(payload.start, "unexpected nf_tables message \(kind)")
        }
    }

    private mutating func generation(_ attrs: NetlinkBytes.Span) throws {
        var id: UInt32?
        try bytes.forEachAttribute(in: attrs) { a in if a.type == 1 { id = try bytes.be32(a.payload, "generation id") } }
        guard let id else { throw bytes.malformed(attrs.start, "generation message without an id") }
        generations.append(id)
    }

    /// RTM_NEWLINK: ifinfomsg (16 bytes, index at 4) then IFLA_IFNAME (3).
    private mutating func link(_ payload: NetlinkBytes.Span) throws {
        guard payload.count >= 16 else { throw bytes.malformed(payload.start, "link message without ifinfomsg") }
        let index = bytes.hostU32(at: payload.start + 4)
        try bytes.forEachAttribute(in: NetlinkBytes.Span(start: payload.start + 16, end: payload.end)) { a in
            if a.type == 3 { interfaceNames[index] = bytes.string(a.payload) }
        }
    }

    private func required<T>(_ value: T?, _ what: String, _ span: NetlinkBytes.Span) throws -> T {
        guard let value else { throw bytes.malformed(span.start, "\(what) missing") }
        return value
    }

    /// The comment TLV (type 0) of nftnl user data.
    private func comment(_ span: NetlinkBytes.Span?) -> String? {
        guard let span else { return nil }
        var at = span.start
        while at + 2 <= span.end {
            let type = bytes.raw[at], len = Int(bytes.raw[at + 1])
            guard at + 2 + len <= span.end else { return nil }
            if type == 0 { return bytes.string(NetlinkBytes.Span(start: at + 2, end: at + 2 + len)) }
            at += 2 + len
        }
        return nil
    }

    private mutating func table(_ attrs: NetlinkBytes.Span, family: TableFamily) throws {
        var name: String?, handle: UInt64?, flags: UInt32 = 0, userdata: NetlinkBytes.Span?
        try bytes.forEachAttribute(in: attrs) { a in
            switch a.type {
            case 1: name = bytes.string(a.payload)
            case 2: flags = try bytes.be32(a.payload, "table flags")
            case 4: handle = try bytes.be64(a.payload, "table handle")
            case 6: userdata = a.payload
            default: break
            }
        }
        let t = FirewallTable(system: .nftables, family: family, name: try required(name, "table name", attrs), handle: handle,
                              flags: NftSymbols.flagNames(UInt64(flags), NftStatementText.tableFlags),
                              comment: comment(userdata))
        guard builder.add(t) else { throw bytes.malformed(attrs.start, "table \(family.rawValue) \(t.name) dumped twice") }
    }

    private mutating func chain(_ attrs: NetlinkBytes.Span, family: TableFamily) throws {
        var table: String?, name: String?, handle: UInt64?, hook: NetlinkBytes.Span?, policy: UInt32?
        var type = "filter", userdata: NetlinkBytes.Span?
        try bytes.forEachAttribute(in: attrs) { a in
            switch a.type {
            case 1: table = bytes.string(a.payload)
            case 2: handle = try bytes.be64(a.payload, "chain handle")
            case 3: name = bytes.string(a.payload)
            case 4: hook = a.payload
            case 5: policy = try bytes.be32(a.payload, "chain policy")
            case 7: type = bytes.string(a.payload)
            case 12: userdata = a.payload
            default: break
            }
        }
        var chain = FirewallChain(name: try required(name, "chain name", attrs), handle: handle, comment: comment(userdata))
        if let hook {
            var number: UInt32?, priority: UInt32 = 0, device: String?, devices: [String]?
            try bytes.forEachAttribute(in: hook) { a in
                switch a.type {
                case 1: number = try bytes.be32(a.payload, "hook number")
                case 2: priority = try bytes.be32(a.payload, "hook priority")
                case 3: device = bytes.string(a.payload)
                case 4: try bytes.forEachAttribute(in: a.payload) { d in devices = (devices ?? []) + [bytes.string(d.payload)] }
                default: break
                }
            }
            let n = try required(number, "hook number", hook)
            guard let h = NftStatementText.hook(number: n, family: family) else {
                throw bytes.malformed(hook.start, "hook \(n) unknown for family \(family.rawValue)")
            }
            guard let chainType = ChainType(rawValue: type) else { throw bytes.malformed(attrs.start, "unknown chain type \(type)") }
            chain.base = BaseChain(type: chainType, hook: h, priority: Int(Int32(bitPattern: priority)),
                                   policy: policy == 0 ? .drop : .accept, devices: devices ?? device.map { [$0] } ?? [])
        }
        let tableName = try required(table, "chain table", attrs)
        guard builder.add(chain, family: family, table: tableName) else {
            throw bytes.malformed(attrs.start, "chain \(chain.name) of unknown table \(family.rawValue) \(tableName), or dumped twice")
        }
    }

    private mutating func set(_ attrs: NetlinkBytes.Span, family: TableFamily) throws {
        var table: String?, name: String?, handle: UInt64?, flags: UInt32 = 0, keyType: UInt32 = 0
        var dataType: UInt32?, fieldLengths: [Int]?, size: UInt32?
        try bytes.forEachAttribute(in: attrs) { a in
            switch a.type {
            case 1: table = bytes.string(a.payload)
            case 2: name = bytes.string(a.payload)
            case 3: flags = try bytes.be32(a.payload, "set flags")
            case 4: keyType = try bytes.be32(a.payload, "set key type")
            case 6: dataType = try bytes.be32(a.payload, "set data type")
            case NftKernel.SetDescription.attribute:
                try bytes.forEachAttribute(in: a.payload) { d in
                    if d.type == NftKernel.SetDescription.size { size = try bytes.be32(d.payload, "set size") }
                    guard d.type == 2 else { return }
                    var lengths: [Int] = []
                    try bytes.forEachAttribute(in: d.payload) { field in
                        try bytes.forEachAttribute(in: field.payload) { f in
                            if f.type == 1 { lengths.append(Int(try bytes.be32(f.payload, "concat field length"))) }
                        }
                    }
                    fieldLengths = lengths
                }
            case 16: handle = try bytes.be64(a.payload, "set handle")
            default: break
            }
        }
        let key = SetKey(family: family, table: try required(table, "set table", attrs))
        let setName = try required(name, "set name", attrs)
        guard builder.hasTable(family, key.table) else {
            throw bytes.malformed(attrs.start, "set \(setName) of unknown table \(family.rawValue) \(key.table)")
        }
        var mapType: String?, dataTypes: [NftDatatype] = []
        if let dataType, flags & 0x8 != 0 {
            if dataType == 0xffff_ff00 { mapType = "verdict" } else {
                dataTypes = NftDatatype.concatenation(dataType)
                mapType = dataTypes.map(\.name).joined(separator: " . ")
            }
        }
        if sets[key]?[setName] == nil { setOrder.append((key, setName)) }
        sets[key, default: [:]][setName] = NftNetlinkSet(
            name: setName, handle: handle, flags: flags, keyTypes: NftDatatype.concatenation(keyType),
            mapType: mapType, dataTypes: dataTypes, fieldLengths: fieldLengths, size: size)
    }

    private mutating func setElements(_ attrs: NetlinkBytes.Span, family: TableFamily) throws {
        var table: String?, name: String?, list: NetlinkBytes.Span?
        try bytes.forEachAttribute(in: attrs) { a in
            switch a.type {
            case 1: table = bytes.string(a.payload)
            case 2: name = bytes.string(a.payload)
            case 3: list = a.payload
            default: break
            }
        }
        let key = SetKey(family: family, table: try required(table, "element table", attrs))
        let setName = try required(name, "element set", attrs)
        guard var set = sets[key]?[setName] else {
            throw bytes.malformed(attrs.start, "elements of unknown set \(setName) in \(family.rawValue) \(key.table)")
        }
        guard let list else { return }
        try bytes.forEachAttribute(in: list) { item in
            var element = NftNetlinkSet.Element(key: [], keyEnd: nil, isIntervalEnd: false, data: nil, verdict: nil)
            try bytes.forEachAttribute(in: item.payload) { a in
                switch a.type {
                case 1: element.key = try NftNetlinkExpression.dataValue(a.payload, bytes)
                case 2:
                    if let verdict = try NftNetlinkExpression.verdictData(a.payload, bytes) { element.verdict = verdict }
                    else { element.data = try NftNetlinkExpression.dataValue(a.payload, bytes) }
                case 3: element.isIntervalEnd = try bytes.be32(a.payload, "element flags") & 1 != 0
                case 10: element.keyEnd = try NftNetlinkExpression.dataValue(a.payload, bytes)
                default: break
                }
            }
            if !element.key.isEmpty { set.elements.append(element) }
        }
        sets[key]![setName] = set
    }

    private mutating func rule(_ attrs: NetlinkBytes.Span, family: TableFamily) throws {
        var table: String?, chain: String?, handle: UInt64?, userdata: NetlinkBytes.Span?
        var program: [NftNetlinkExpression] = []
        try bytes.forEachAttribute(in: attrs) { a in
            switch a.type {
            case 1: table = bytes.string(a.payload)
            case 2: chain = bytes.string(a.payload)
            case 3: handle = try bytes.be64(a.payload, "rule handle")
            case 4:
                try bytes.forEachAttribute(in: a.payload) { e in program.append(try NftNetlinkExpression.parse(e.payload, bytes)) }
            case 7: userdata = a.payload
            default: break
            }
        }
        let tableName = try required(table, "rule table", attrs), chainName = try required(chain, "rule chain", attrs)
        let parts = NftDelinearizer.decode(program, family: family, values: NftNetlinkValues(interfaceNames: interfaceNames),
                                           sets: sets[SetKey(family: family, table: tableName)] ?? [:], compat: compat)
        let note = comment(userdata)
        guard builder.addRule(family: family, table: tableName, chain: chainName, {
            parts.rule(position: $0, handle: handle, comment: note)
        }) else {
            throw bytes.malformed(attrs.start, "rule of unknown chain \(family.rawValue) \(tableName) \(chainName)")
        }
    }
}
