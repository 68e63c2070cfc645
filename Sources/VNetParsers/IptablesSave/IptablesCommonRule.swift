import VNetModel

/// The rules busy hosts are made of, read in one pass over the tokens without the general splitter's
/// bookkeeping (option tables, sections, problem lists): header options `-s -d -i -o -p`, then
/// `-m tcp|udp` ports, `-m conntrack --ctstate`, `-m state --state`, `-m comment`, then a verdict, a
/// jump, a goto, REJECT, DNAT, SNAT or MASQUERADE. Rule sets of 100,000 rules are almost only these.
///
/// It gives exactly the rule the general path (IptablesRuleSplitter + IptablesElementMapper) gives,
/// through the same value readers, or nil: any option, order, form or value outside the subset
/// (long option names, old-style `!`, a header option after a match, a bad value, NAT flags...)
/// declines, and the general path reads the rule and reports its problems. Tests hold the two equal.
enum IptablesCommonRule {
    private enum Section { case header, tcp, udp, conntrack, state, comment, target }

    static func build(tokens: [String], family: AddressFamily, position: Int, counters: Counters?,
                      chains: Set<String>?) -> FirewallRule? {
        guard tokens.count >= 2, tokens[0] == "-A", !isBang(tokens[1]) else { return nil }
        var elements: [RuleElement] = []
        elements.reserveCapacity(tokens.count / 2)
        var comment: String?
        var section = Section.header
        var headerSeen: UInt8 = 0
        var target: (name: String, isGoto: Bool)?
        var targetOption: (name: String, value: String)?
        var i = 2
        while i < tokens.count {
            var negated = false
            if isBang(tokens[i]) {
                negated = true
                i += 1
            }
            // Every option of the subset takes exactly one value.
            guard i + 1 < tokens.count else { return nil }
            let option = tokens[i]
            let value = tokens[i + 1]
            guard !isBang(value) else { return nil }
            i += 2
            let op: MatchOp = negated ? .ne : .eq
            if let letter = shortOption(option) {
                switch letter {
                case UInt8(ascii: "s"), UInt8(ascii: "d"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "p"):
                    let bit: UInt8 = switch letter {
                    case UInt8(ascii: "s"): 1
                    case UInt8(ascii: "d"): 2
                    case UInt8(ascii: "i"): 4
                    case UInt8(ascii: "o"): 8
                    default: 16
                    }
                    guard section == .header, headerSeen & bit == 0,
                          let element = headerElement(letter, value, op: op, family: family) else { return nil }
                    headerSeen |= bit
                    elements.append(element)
                case UInt8(ascii: "m"):
                    guard !negated, section != .target else { return nil }
                    switch value {
                    case "tcp": section = .tcp
                    case "udp": section = .udp
                    case "conntrack": section = .conntrack
                    case "state": section = .state
                    case "comment": section = .comment
                    default: return nil
                    }
                case UInt8(ascii: "j"), UInt8(ascii: "g"):
                    guard !negated, section != .target else { return nil }
                    section = .target
                    target = (value, letter == UInt8(ascii: "g"))
                default:
                    return nil
                }
                continue
            }
            switch (section, option) {
            case (.tcp, "--sport"), (.tcp, "--dport"), (.udp, "--sport"), (.udp, "--dport"):
                guard let port = IptablesValueSyntax.portMatch(value) else { return nil }
                let source = option == "--sport"
                let field: MatchField = section == .tcp ? (source ? .tcpSport : .tcpDport) : (source ? .udpSport : .udpDport)
                elements.append(.match(Match(field, op, port)))
            case (.conntrack, "--ctstate"), (.state, "--state"):
                guard let states = stateNames(value) else { return nil }
                elements.append(.match(Match(.ctState, op, .flags(states))))
            case (.comment, "--comment"):
                guard !negated else { return nil }
                comment = comment.map { $0 + "; " + value } ?? value
            case (.target, _):
                guard !negated, targetOption == nil else { return nil }
                targetOption = (option, value)
            default:
                return nil
            }
        }
        if let target {
            guard let action = targetAction(target, option: targetOption, family: family, chains: chains) else { return nil }
            elements.append(.action(action))
        }
        return FirewallRule(position: position, elements: elements, counters: counters, comment: comment,
                            text: IptablesSaveLine.render(tokens))
    }

    private static func isBang(_ token: String) -> Bool {
        token.utf8.count == 1 && token.utf8.first == UInt8(ascii: "!")
    }

    /// The letter of a `-x` option; nil for anything else.
    private static func shortOption(_ token: String) -> UInt8? {
        let utf8 = token.utf8
        guard utf8.count == 2, utf8.first == UInt8(ascii: "-"), let letter = utf8.last, letter != UInt8(ascii: "-") else { return nil }
        return letter
    }

    /// IptablesElementMapper.headerElement for a single, plain value; nil where that would not give a match.
    private static func headerElement(_ letter: UInt8, _ value: String, op: MatchOp, family: AddressFamily) -> RuleElement? {
        switch letter {
        case UInt8(ascii: "s"), UInt8(ascii: "d"):
            guard !value.utf8.contains(UInt8(ascii: ",")),
                  case .prefix(let prefix)? = IptablesValueSyntax.addressSpec(value[...], family: family) else { return nil }
            let field: MatchField = switch (family, letter == UInt8(ascii: "s")) {
            case (.ipv4, true): .ipSaddr
            case (.ipv4, false): .ipDaddr
            case (.ipv6, true): .ip6Saddr
            case (.ipv6, false): .ip6Daddr
            }
            return .match(Match(field, op, .prefix(prefix)))
        case UInt8(ascii: "i"), UInt8(ascii: "o"):
            guard !value.isEmpty, value.utf8.count < 16 else { return nil }
            return .match(Match(letter == UInt8(ascii: "i") ? .iifname : .oifname, op, IptablesElementMapper.interfaceValue(value)))
        default:
            guard let number = XtablesNames.protocolNumber(value), number != 0 else { return nil }
            return .match(Match(.l4proto, op, .integer(UInt64(number))))
        }
    }

    /// The state table of IptablesElementMapper.flagNames (sorted by model name) as bytes.
    private static let stateTable: [(upper: [UInt8], model: String)] =
        IptablesElementMapper.stateNames.map { (Array($0.upper.utf8), $0.model) }

    /// IptablesElementMapper.flagNames over the state names, for names in capitals as iptables-save
    /// prints them; nil (the general path decides) for anything else.
    private static func stateNames(_ text: String) -> [String]? {
        var seen: UInt32 = 0
        var text = text
        let known = text.withUTF8 { bytes -> Bool in
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: ",") { end += 1 }
                let item = UnsafeBufferPointer(rebasing: bytes[start..<end])
                guard let index = stateTable.firstIndex(where: { $0.upper.elementsEqual(item) }) else { return false }
                seen |= 1 << UInt32(index)
                start = end + 1
            }
            return true
        }
        guard known else { return nil }
        var names: [String] = []
        names.reserveCapacity(seen.nonzeroBitCount)
        for index in stateTable.indices where seen & (1 << UInt32(index)) != 0 { names.append(stateTable[index].model) }
        return names
    }

    /// IptablesElementMapper.targetElement for the targets of the subset, in its order of tests.
    private static func targetAction(_ target: (name: String, isGoto: Bool), option: (name: String, value: String)?,
                                     family: AddressFamily, chains: Set<String>?) -> Action? {
        if target.isGoto { return option == nil ? .goto(target.name) : nil }
        switch target.name {
        case "ACCEPT": return option == nil ? .accept : nil
        case "DROP": return option == nil ? .drop : nil
        case "RETURN": return option == nil ? .return : nil
        default: break
        }
        if chains?.contains(target.name) == true { return option == nil ? .jump(target.name) : nil }
        switch (target.name, option?.name) {
        case ("REJECT", nil):
            return .reject(with: XtablesNames.defaultRejectWith(family))
        case ("REJECT", "--reject-with"):
            return XtablesNames.rejectWith(option!.value, family: family).map { .reject(with: $0) }
        case ("MASQUERADE", nil):
            return .masquerade(ports: nil, flags: [])
        case ("MASQUERADE", "--to-ports"):
            return IptablesValueSyntax.portRange(option!.value[...]).map { .masquerade(ports: $0, flags: []) }
        case ("DNAT", "--to-destination"):
            return natRange(option!.value, family: family).map { .dnat(addresses: $0.addresses, ports: $0.ports, flags: []) }
        case ("SNAT", "--to-source"):
            return natRange(option!.value, family: family).map { .snat(addresses: $0.addresses, ports: $0.ports, flags: []) }
        default:
            return nil
        }
    }

    /// IptablesValueSyntax.natRange, with its commonest form (`a.b.c.d:port`, one Kubernetes endpoint)
    /// read in place.
    private static func natRange(_ text: String, family: AddressFamily) -> (addresses: AddressRange?, ports: PortRange?)? {
        if family == .ipv4, let endpoint = ipv4Endpoint(text) {
            let address = IPAddress(ipv4: endpoint.address)
            return (AddressRange(low: address, high: address), PortRange(low: Int(endpoint.port), high: Int(endpoint.port)))
        }
        return IptablesValueSyntax.natRange(text, family: family)
    }

    /// `a.b.c.d:port` with a port of one to five digits up to 65535; nil for any other form.
    private static func ipv4Endpoint(_ text: String) -> (address: UInt32, port: UInt16)? {
        var text = text
        return text.withUTF8 { bytes -> (UInt32, UInt16)? in
            guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
                  let address = IptablesValueSyntax.ipv4(UnsafeBufferPointer(rebasing: bytes[..<colon])) else { return nil }
            let digits = bytes[(colon + 1)...]
            guard !digits.isEmpty, digits.count <= 5 else { return nil }
            var port: UInt32 = 0
            for byte in digits {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                port = port * 10 + UInt32(byte - 0x30)
            }
            guard port <= 65535 else { return nil }
            return (address, UInt16(port))
        }
    }
}
