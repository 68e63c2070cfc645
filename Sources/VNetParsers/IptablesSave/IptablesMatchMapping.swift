import VNetModel

/// `-m NAME` sections as matches. Each option maps on its own; one the model cannot express becomes
/// an `.unknown` element, and a match whose outcome is undecidable (limit, set) stays whole as one.
extension IptablesElementMapper {
    /// Matches kept whole as unknown although their syntax is known: rate limits and ipset lookups
    /// depend on state no rule set shows.
    private static let undecidableMatches: Set<String> = ["limit", "set"]

    mutating func appendMatchElements(_ section: IptablesSection, proto: UInt8?, to elements: inout [RuleElement]) {
        let name = section.name
        guard let grammar = IptablesOptionGrammar.matchOptions[name], !Self.undecidableMatches.contains(name),
              !section.options.contains(where: { $0.name == XtablesExtensionDecoder.undecodedOption }) else {
            elements.append(unknown(section: section, kind: "match", mayAffectVerdict: true))
            return
        }
        for option in section.options {
            guard grammar[option.name] != nil else {
                elements.append(unknown(option, owner: name))
                continue
            }
            elements += matchElements(option, in: name, proto: proto)
        }
    }

    private mutating func matchElements(_ option: IptablesOption, in match: String, proto: UInt8?) -> [RuleElement] {
        let op: MatchOp = option.negated ? .ne : .eq
        switch (match, option.name) {
        case ("tcp", "--sport"), ("tcp", "--source-port"), ("tcp", "--dport"), ("tcp", "--destination-port"),
             ("udp", "--sport"), ("udp", "--source-port"), ("udp", "--dport"), ("udp", "--destination-port"):
            let source = option.name == "--sport" || option.name == "--source-port"
            let field: MatchField = match == "tcp" ? (source ? .tcpSport : .tcpDport) : (source ? .udpSport : .udpDport)
            guard let value = IptablesValueSyntax.portMatch(option.value) else {
                return [invalid(option, owner: match, "bad port '\(option.value)' for \(option.name)")]
            }
            return [.match(Match(field, op, value))]
        case ("tcp", "--tcp-flags"):
            let values = Array(option.values)
            guard values.count == 2, let mask = tcpFlags(values[0]), let set = tcpFlags(values[1]) else {
                return [invalid(option, owner: match, "bad TCP flags '\(option.values.joined(separator: " "))'")]
            }
            return [.match(Match(.tcpFlags, op, .flagsMasked(mask: mask, set: set)))]
        case ("tcp", "--syn"):
            return [.match(Match(.tcpFlags, op, .flagsMasked(mask: ["fin", "syn", "rst", "ack"], set: ["syn"])))]
        case ("icmp", "--icmp-type"), ("icmp6", "--icmpv6-type"):
            return icmpElements(option, v6: match == "icmp6")
        case ("multiport", _):
            return [multiportElement(option, proto: proto)]
        case ("conntrack", "--ctstate"), ("state", "--state"):
            guard let states = flagNames(option.value, XtablesNames.ctStates) else {
                return [invalid(option, owner: match, "bad state '\(option.value)'")]
            }
            return [.match(Match(.ctState, op, .flags(states)))]
        case ("conntrack", "--ctstatus"):
            if option.value.uppercased() == "NONE" { return [.match(Match(.ctStatus, op, .flags([])))] }
            guard let statuses = flagNames(option.value, XtablesNames.ctStatuses) else {
                return [invalid(option, owner: match, "bad conntrack status '\(option.value)'")]
            }
            return [.match(Match(.ctStatus, op, .flags(statuses.map { $0.replacingOccurrences(of: "_", with: "-") })))]
        case ("conntrack", "--ctorigsrc"), ("conntrack", "--ctorigdst"), ("conntrack", "--ctreplsrc"), ("conntrack", "--ctrepldst"):
            let field: MatchField = switch option.name {
            case "--ctorigsrc": .ctOriginalSaddr
            case "--ctorigdst": .ctOriginalDaddr
            case "--ctreplsrc": .ctReplySaddr
            default: .ctReplyDaddr
            }
            switch IptablesValueSyntax.addressSpec(option.value[...], family: family) {
            case .prefix(let prefix)?: return [.match(Match(field, op, .prefix(prefix)))]
            case .maskedAddress?: return [unknown(option, owner: match)]
            case nil: return [invalid(option, owner: match, "bad address '\(option.value)' for \(option.name)")]
            }
        case ("conntrack", "--ctdir"):
            switch option.value.uppercased() {
            case "ORIGINAL": return [.match(Match(.ctDirection, op, .symbol("original")))]
            case "REPLY": return [.match(Match(.ctDirection, op, .symbol("reply")))]
            default: return [invalid(option, owner: match, "bad --ctdir '\(option.value)' (ORIGINAL or REPLY)")]
            }
        case ("comment", "--comment"):
            comment = comment.map { $0 + "; " + option.value } ?? option.value
            return []
        case ("physdev", "--physdev-in"), ("physdev", "--physdev-out"):
            let field: MatchField = option.name == "--physdev-in" ? .physdevIn : .physdevOut
            guard !option.value.isEmpty, option.value.utf8.count < 16 else {
                return [invalid(option, owner: match, "bad interface name '\(option.value)' for \(option.name)")]
            }
            return [.match(Match(field, op, Self.interfaceValue(option.value)))]
        case ("physdev", "--physdev-is-in"):
            return [.match(Match(.physdevIsIn, op, .bool(true)))]
        case ("physdev", "--physdev-is-out"):
            return [.match(Match(.physdevIsOut, op, .bool(true)))]
        case ("physdev", "--physdev-is-bridged"):
            return [.match(Match(.physdevIsBridged, op, .bool(true)))]
        case ("addrtype", "--src-type"), ("addrtype", "--dst-type"):
            var types: [MatchValue] = []
            for name in option.value.split(separator: ",", omittingEmptySubsequences: false) {
                let upper = name.uppercased()
                guard XtablesNames.addressTypes.contains(upper) else {
                    return [invalid(option, owner: match, "bad address type '\(name)'")]
                }
                types.append(.symbol(upper.lowercased()))
            }
            let field: MatchField = option.name == "--src-type" ? .srcAddrType : .dstAddrType
            return [.match(Match(field, op, types.count == 1 ? types[0] : .set(types)))]
        case ("mark", "--mark"), ("connmark", "--mark"):
            guard let (value, mask) = IptablesValueSyntax.maskedNumber(option.value) else {
                return [invalid(option, owner: match, "bad mark '\(option.value)'")]
            }
            let field: MatchField = match == "mark" ? .mark : .ctMark
            let fullMask = UInt64(UInt32.max)
            let matchValue: MatchValue = mask == nil || mask == fullMask ? .integer(value) : .maskedInteger(value: value, mask: mask!)
            return [.match(Match(field, op, matchValue))]
        case ("mac", "--mac-source"):
            guard let mac = IptablesValueSyntax.mac(option.value) else {
                return [invalid(option, owner: match, "bad MAC address '\(option.value)'")]
            }
            return [.match(Match(.etherSaddr, op, .mac(mac)))]
        case ("iprange", "--src-range"), ("iprange", "--dst-range"):
            guard let (low, high) = IptablesValueSyntax.addressRange(option.value[...], family: family) else {
                return [invalid(option, owner: match, "bad address range '\(option.value)'")]
            }
            let source = option.name == "--src-range"
            let field: MatchField = family == .ipv4 ? (source ? .ipSaddr : .ipDaddr) : (source ? .ip6Saddr : .ip6Daddr)
            return [.match(Match(field, op, .addressRange(low: low, high: high)))]
        case ("pkttype", "--pkt-type"):
            guard let value = packetType(option.value) else {
                return [invalid(option, owner: match, "bad packet type '\(option.value)'")]
            }
            return [.match(Match(.pkttype, op, value))]
        default:
            // Known syntax the model has no field for (--tcp-option, --ctproto, --ctexpire, conntrack ports,
            // addrtype --limit-iface-in/out).
            return [unknown(option, owner: match)]
        }
    }

    /// `--icmp-type any|TYPE[/CODE]|NAME`: type and code matches; a negated type/code pair is one
    /// condition the model cannot split, so it stays unknown.
    private mutating func icmpElements(_ option: IptablesOption, v6: Bool) -> [RuleElement] {
        let owner = v6 ? "icmp6" : "icmp"
        let text = option.value
        if !v6 && text.lowercased() == "any" { return [] }
        var type: UInt8
        var code: UInt8?
        if let named = (v6 ? XtablesNames.icmpv6Types : XtablesNames.icmpTypes)[text.lowercased()] {
            (type, code) = named
        } else {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let t = UInt8(parts[0]) else { return [invalid(option, owner: owner, "bad ICMP type '\(text)'")] }
            type = t
            if parts.count == 2 {
                guard let c = UInt8(parts[1]) else { return [invalid(option, owner: owner, "bad ICMP code in '\(text)'")] }
                code = c
            }
        }
        if option.negated && code != nil { return [unknown(option, owner: owner)] }
        let op: MatchOp = option.negated ? .ne : .eq
        var elements: [RuleElement] = [.match(Match(v6 ? .icmpv6Type : .icmpType, op, .integer(UInt64(type))))]
        if let code { elements.append(.match(Match(v6 ? .icmpv6Code : .icmpCode, .eq, .integer(UInt64(code))))) }
        return elements
    }

    /// `--sports/--dports a,b,c:d` as a set of ports of the rule's protocol; `--ports` (either side)
    /// has no single field.
    private mutating func multiportElement(_ option: IptablesOption, proto: UInt8?) -> RuleElement {
        let source: Bool
        switch option.name {
        case "--sports", "--source-ports": source = true
        case "--dports", "--destination-ports": source = false
        default: return unknown(option, owner: "multiport")
        }
        var values: [MatchValue] = []
        for item in option.value.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = IptablesValueSyntax.portMatch(String(item)) else {
                return invalid(option, owner: "multiport", "bad port '\(item)' for \(option.name)")
            }
            values.append(value)
        }
        let field: MatchField = switch proto {
        case 6: source ? .tcpSport : .tcpDport
        case 17: source ? .udpSport : .udpDport
        default: source ? .thSport : .thDport
        }
        return .match(Match(field, option.negated ? .ne : .eq, .set(values)))
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

    /// A comma list of flag names checked against a table, lowercased and sorted.
    private func flagNames(_ text: String, _ table: [(name: String, bit: UInt16)]) -> [String]? {
        var names: [String] = []
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            let upper = name.uppercased()
            guard table.contains(where: { $0.name == upper }) else { return nil }
            names.append(upper.lowercased())
        }
        return Array(Set(names)).sorted()
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
