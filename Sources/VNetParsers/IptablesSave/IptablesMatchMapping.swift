import VNetModel

/// `-m NAME` sections as matches. Each option maps on its own; one the model cannot express becomes
/// an `.unknown` element, and a match whose outcome is undecidable (limit, set) stays whole as one.
extension IptablesElementMapper {
    mutating func appendMatchElements(_ section: IptablesSection, proto: UInt8?, to elements: inout [RuleElement]) {
        // Rate limits and ipset lookups depend on state no rule set shows; unknown extensions and
        // undecoded binary stay whole too.
        guard let kind = section.spec?.kind, kind != .limit, kind != .set,
              !section.options.contains(where: { $0.key == nil && name($0) == XtablesExtensionDecoder.undecodedOption }) else {
            elements.append(unknown(section: section, kind: "match", mayAffectVerdict: true))
            return
        }
        for option in section.options {
            guard let key = option.key else {
                elements.append(unknown(option, owner: section.name))
                continue
            }
            appendMatchElements(option, key: key, in: kind, owner: section.name, proto: proto, to: &elements)
        }
    }

    private mutating func appendMatchElements(_ option: IptablesOption, key: IptablesOptionGrammar.Key,
                                              in kind: IptablesOptionGrammar.Extension, owner: String, proto: UInt8?,
                                              to elements: inout [RuleElement]) {
        let op: MatchOp = option.negated ? .ne : .eq
        func add(_ field: MatchField, _ value: MatchValue) { elements.append(.match(Match(field, op, value))) }
        switch key {
        case .sport, .dport:
            let field: MatchField = kind == .tcp ? (key == .sport ? .tcpSport : .tcpDport) : (key == .sport ? .udpSport : .udpDport)
            guard let value = IptablesValueSyntax.portMatch(value(option)) else {
                return elements.append(invalid(option, owner: owner, "bad port '\(value(option))' for \(name(option))"))
            }
            add(field, value)
        case .tcpFlags:
            guard values(option).count == 2, let mask = tcpFlags(values(option).first ?? ""),
                  let set = tcpFlags(values(option).dropFirst().first ?? "") else {
                return elements.append(invalid(option, owner: owner, "bad TCP flags '\(values(option).joined(separator: " "))'"))
            }
            add(.tcpFlags, .flagsMasked(mask: mask, set: set))
        case .syn:
            add(.tcpFlags, .flagsMasked(mask: ["fin", "syn", "rst", "ack"], set: ["syn"]))
        case .icmpType:
            appendICMPElements(option, v6: kind == .icmp6, to: &elements)
        case .sports, .dports:
            var values: [MatchValue] = []
            var badItem: Substring?
            let allValid = IptablesValueSyntax.forEachCommaItem(value(option)) { item in
                guard let port = IptablesValueSyntax.portMatch(item) else { badItem = item; return false }
                values.append(port)
                return true
            }
            guard allValid else {
                return elements.append(invalid(option, owner: owner, "bad port '\(badItem ?? "")' for \(name(option))"))
            }
            let source = key == .sports
            let field: MatchField = switch proto {
            case 6: source ? .tcpSport : .tcpDport
            case 17: source ? .udpSport : .udpDport
            default: source ? .thSport : .thDport
            }
            add(field, .set(values))
        case .ctstate, .state:
            guard let states = Self.flagNames(value(option), Self.stateNames) else {
                return elements.append(invalid(option, owner: owner, "bad state '\(value(option))'"))
            }
            add(.ctState, .flags(states))
        case .ctstatus:
            if value(option).uppercased() == "NONE" { return add(.ctStatus, .flags([])) }
            guard let statuses = Self.flagNames(value(option), Self.statusNames) else {
                return elements.append(invalid(option, owner: owner, "bad conntrack status '\(value(option))'"))
            }
            add(.ctStatus, .flags(statuses))
        case .ctorigsrc, .ctorigdst, .ctreplsrc, .ctrepldst:
            let field: MatchField = switch key {
            case .ctorigsrc: .ctOriginalSaddr
            case .ctorigdst: .ctOriginalDaddr
            case .ctreplsrc: .ctReplySaddr
            default: .ctReplyDaddr
            }
            switch IptablesValueSyntax.addressSpec(value(option)[...], family: family) {
            case .prefix(let prefix)?: add(field, .prefix(prefix))
            case .maskedAddress?: elements.append(unknown(option, owner: owner))
            case nil: elements.append(invalid(option, owner: owner, "bad address '\(value(option))' for \(name(option))"))
            }
        case .ctdir:
            switch value(option).uppercased() {
            case "ORIGINAL": add(.ctDirection, .symbol("original"))
            case "REPLY": add(.ctDirection, .symbol("reply"))
            default: elements.append(invalid(option, owner: owner, "bad --ctdir '\(value(option))' (ORIGINAL or REPLY)"))
            }
        case .comment:
            comment = comment.map { $0 + "; " + value(option) } ?? value(option)
        case .physdevIn, .physdevOut:
            guard !value(option).isEmpty, value(option).utf8.count < 16 else {
                return elements.append(invalid(option, owner: owner, "bad interface name '\(value(option))' for \(name(option))"))
            }
            add(key == .physdevIn ? .physdevIn : .physdevOut, Self.interfaceValue(value(option)))
        case .physdevIsIn:
            add(.physdevIsIn, .bool(true))
        case .physdevIsOut:
            add(.physdevIsOut, .bool(true))
        case .physdevIsBridged:
            add(.physdevIsBridged, .bool(true))
        case .srcType, .dstType:
            var types: [MatchValue] = []
            for name in value(option).split(separator: ",", omittingEmptySubsequences: false) {
                let upper = name.uppercased()
                guard XtablesNames.addressTypes.contains(upper) else {
                    return elements.append(invalid(option, owner: owner, "bad address type '\(name)'"))
                }
                types.append(.symbol(upper.lowercased()))
            }
            add(key == .srcType ? .srcAddrType : .dstAddrType, types.count == 1 ? types[0] : .set(types))
        case .mark:
            guard let (value, mask) = IptablesValueSyntax.maskedNumber(value(option)) else {
                return elements.append(invalid(option, owner: owner, "bad mark '\(value(option))'"))
            }
            let full = UInt64(UInt32.max)
            add(kind == .mark ? .mark : .ctMark, mask == nil || mask == full ? .integer(value) : .maskedInteger(value: value, mask: mask!))
        case .macSource:
            guard let mac = IptablesValueSyntax.mac(value(option)) else {
                return elements.append(invalid(option, owner: owner, "bad MAC address '\(value(option))'"))
            }
            add(.etherSaddr, .mac(mac))
        case .srcRange, .dstRange:
            guard let (low, high) = IptablesValueSyntax.addressRange(value(option)[...], family: family) else {
                return elements.append(invalid(option, owner: owner, "bad address range '\(value(option))'"))
            }
            let source = key == .srcRange
            add(family == .ipv4 ? (source ? .ipSaddr : .ipDaddr) : (source ? .ip6Saddr : .ip6Daddr), .addressRange(low: low, high: high))
        case .rtType, .rtSegmentsLeft, .rtLength, .rtReserved:
            // Any routing-header field: the evaluator needs only that the packet must carry the header.
            let field = [.rtType: MatchField.ip6RoutingType, .rtSegmentsLeft: MatchField("ip6.rt.segsleft"),
                         .rtLength: MatchField("ip6.rt.len")][key] ?? MatchField("ip6.rt.reserved")
            if key == .rtReserved { return add(field, .integer(0)) }
            // A number, or `low:high` for segments left.
            let bounds = value(option).split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                .map { IptablesValueSyntax.number($0) }
            guard let low = bounds.first ?? nil, let high = bounds.last ?? nil, low <= high else {
                return elements.append(invalid(option, owner: owner, "bad value '\(value(option))' for \(name(option))"))
            }
            add(field, low == high ? .integer(low) : .range(low: low, high: high))
        case .pktType:
            guard let value = packetType(value(option)) else {
                return elements.append(invalid(option, owner: owner, "bad packet type '\(value(option))'"))
            }
            add(.pkttype, value)
        case .hopsEqual, .hopsBelow, .hopsAbove:
            guard let n = IptablesValueSyntax.number(value(option)[...], max: 255) else {
                return elements.append(invalid(option, owner: owner, "bad value '\(value(option))' for \(name(option))"))
            }
            // `! --ttl-eq` is the only negation the ttl and hl matches have.
            let compare: MatchOp = key == .hopsEqual ? op : key == .hopsBelow ? .lt : .gt
            elements.append(.match(Match(kind == .ttl ? .ipTTL : .ip6HopLimit, compare, .integer(n))))
        case .dscp, .dscpClass:
            let text = value(option)
            let number = key == .dscp ? IptablesValueSyntax.number(text[...], max: 63)
                : NftSymbols.dscpClasses.number(text.lowercased())
            guard let number else {
                return elements.append(invalid(option, owner: owner, "bad DSCP '\(text)' for \(name(option))"))
            }
            add(family == .ipv4 ? .ipDSCP : .ip6DSCP, .integer(number))
        case .length:
            // `min[:max]`, 16-bit like ports.
            guard let length = IptablesValueSyntax.portMatch(value(option)) else {
                return elements.append(invalid(option, owner: owner, "bad length '\(value(option))'"))
            }
            add(.length, length)
        default:
            // Known syntax the model has no field for: --tcp-option, --ctproto, conntrack ports,
            // --ctexpire, addrtype --limit-iface-in/out, multiport --ports (either side).
            elements.append(unknown(option, owner: owner))
        }
    }

    /// `--icmp-type any|TYPE[/CODE]|NAME`: type and code matches; a negated type/code pair is one
    /// condition the model cannot split, so it stays unknown.
    private mutating func appendICMPElements(_ option: IptablesOption, v6: Bool, to elements: inout [RuleElement]) {
        let owner = v6 ? "icmp6" : "icmp"
        let text = value(option)
        if !v6 && text.lowercased() == "any" { return }
        var type: UInt8
        var code: UInt8?
        if let named = (v6 ? XtablesNames.icmpv6Types : XtablesNames.icmpTypes)[text.lowercased()] {
            (type, code) = named
        } else {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let t = UInt8(parts[0]) else { return elements.append(invalid(option, owner: owner, "bad ICMP type '\(text)'")) }
            type = t
            if parts.count == 2 {
                guard let c = UInt8(parts[1]) else { return elements.append(invalid(option, owner: owner, "bad ICMP code in '\(text)'")) }
                code = c
            }
        }
        if option.negated && code != nil { return elements.append(unknown(option, owner: owner)) }
        elements.append(.match(Match(v6 ? .icmpv6Type : .icmpType, option.negated ? .ne : .eq, .integer(UInt64(type)))))
        if let code { elements.append(.match(Match(v6 ? .icmpv6Code : .icmpCode, .eq, .integer(UInt64(code))))) }
    }

    /// `SYN,ACK`, `ALL` or `NONE` as lowercase flag names in bit order; nil when a name is unknown.
    private func tcpFlags(_ text: String) -> [String]? {
        var bits: UInt8 = 0
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            switch name.uppercased() {
            case "ALL": bits |= 0x3f
            case "NONE": break
            case let upper:
                guard let flag = XtablesNames.tcpFlags.first(where: { $0.name == upper }) else { return nil }
                bits |= flag.bit
            }
        }
        return XtablesNames.tcpFlags.filter { bits & $0.bit != 0 }.map { $0.name.lowercased() }
    }

    /// Flag tables for the model: lowercase names (conntrack status with `-` for `_`) sorted by name.
    static let stateNames = modelFlagNames(XtablesNames.ctStates)
    private static let statusNames = modelFlagNames(XtablesNames.ctStatuses)

    private static func modelFlagNames(_ table: [(name: String, bit: UInt16)]) -> [(upper: String, model: String)] {
        table.map { ($0.name, $0.name.lowercased().replacingOccurrences(of: "_", with: "-")) }.sorted { $0.1 < $1.1 }
    }

    /// A comma list of flag names (any case) as the sorted, deduplicated model names; nil when one is unknown.
    static func flagNames(_ text: String, _ table: [(upper: String, model: String)]) -> [String]? {
        var seen: UInt32 = 0
        let allKnown = IptablesValueSyntax.forEachCommaItem(text) { item in
            guard let index = table.firstIndex(where: { equalsIgnoringASCIICase($0.upper, item) }) else { return false }
            seen |= 1 << UInt32(index)
            return true
        }
        guard allKnown else { return nil }
        var names: [String] = []
        for index in table.indices where seen & (1 << UInt32(index)) != 0 { names.append(table[index].model) }
        return names
    }

    /// `upper` (all capitals) equals `text` with ASCII letters of any case.
    private static func equalsIgnoringASCIICase(_ upper: String, _ text: Substring) -> Bool {
        upper.utf8.elementsEqual(text.utf8) { a, b in a == (b >= 0x61 && b <= 0x7a ? b - 0x20 : b) }
    }

    /// pkttype names as nft names them (`host`, `broadcast`, `multicast`, `other`), numbers as integers.
    private func packetType(_ text: String) -> MatchValue? {
        switch text.lowercased() {
        case "unicast", "host": return .symbol("host")
        case "broadcast", "bcast": return .symbol("broadcast")
        case "multicast", "mcast": return .symbol("multicast")
        case "otherhost": return .symbol("other")
        default: return Int32(text).map { .integer(UInt64(UInt32(bitPattern: $0))) }
        }
    }
}
