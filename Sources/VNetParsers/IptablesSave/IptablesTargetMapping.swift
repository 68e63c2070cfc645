import VNetModel

/// `-j NAME ...` / `-g NAME` as an action. Mark targets are normalised to `--set-xmark` semantics
/// (new = (old & ~mask) ^ value), the form the kernel stores, so text and binary rules agree.
extension IptablesElementMapper {
    mutating func targetElement(_ target: IptablesSection, isGoto: Bool, chains: Set<String>?) -> RuleElement {
        let targetName = target.name
        if isGoto { return .action(.goto(targetName)) }
        switch targetName {
        case "ACCEPT": return .action(.accept)
        case "DROP": return .action(.drop)
        case "RETURN": return .action(.return)
        case "QUEUE": return .action(.queue(nil))
        default: break
        }
        if chains?.contains(targetName) == true { return .action(.jump(targetName)) }
        guard let kind = target.spec?.kind, !target.options.contains(where: { $0.key == nil }) else {
            if chains == nil && target.options.isEmpty && target.spec == nil { return .action(.jump(targetName)) }
            return unknown(section: target, kind: "target", mayAffectVerdict: !IptablesOptionGrammar.nonTerminalTargets.contains(targetName))
        }
        let options = target.options
        func option(_ key: IptablesOptionGrammar.Key) -> IptablesOption? { options.first { $0.key == key } }
        /// NAT flags in the order iptables prints them.
        var flags: [String] {
            var flags: [String] = []
            if option(.random) != nil { flags.append("random") }
            if option(.randomFully) != nil { flags.append("random-fully") }
            if option(.persistent) != nil { flags.append("persistent") }
            return flags
        }
        switch kind {
        case .reject:
            guard let with = option(.rejectWith) else { return .action(.reject(with: XtablesNames.defaultRejectWith(family))) }
            guard let canonical = XtablesNames.rejectWith(value(with), family: family) else {
                return invalid(with, owner: targetName, kind: "target", "unknown --reject-with '\(value(with))'")
            }
            return .action(.reject(with: canonical))
        case .masquerade, .redirect:
            var ports: PortRange?
            if let toPorts = option(.toPorts) {
                guard let range = IptablesValueSyntax.portRange(value(toPorts)[...]) else {
                    return invalid(toPorts, owner: targetName, kind: "target", "bad port range '\(value(toPorts))' for --to-ports")
                }
                ports = range
            }
            return .action(kind == .masquerade ? .masquerade(ports: ports, flags: flags) : .redirect(ports: ports, flags: flags))
        case .snat, .dnat:
            var addresses: AddressRange?
            var ports: PortRange?
            if let to = option(kind == .snat ? .toSource : .toDestination) {
                guard let range = IptablesValueSyntax.natRange(value(to), family: family) else {
                    return invalid(to, owner: targetName, kind: "target", "bad \(name(to)) '\(value(to))'")
                }
                (addresses, ports) = range
            }
            return .action(kind == .snat ? .snat(addresses: addresses, ports: ports, flags: flags)
                                         : .dnat(addresses: addresses, ports: ports, flags: flags))
        case .markTarget:
            return markAction(target, ct: false)
        case .connmarkTarget:
            if options.contains(where: { $0.key == .saveMark || $0.key == .restoreMark || $0.key == .shift }) {
                return .action(.statement(name: targetName, detail: optionsText(target)))
            }
            return markAction(target, ct: true)
        case .log:
            return .action(.log(prefix: option(.logPrefix).map(value)))
        case .notrack:
            return .action(.notrack)
        case .ct where option(.notrack) != nil:
            return .action(.notrack)
        default:
            // CT without --notrack, CHECKSUM, TCPMSS: non-terminal, no effect on fate or addresses.
            return .action(.statement(name: targetName, detail: optionsText(target)))
        }
    }

    /// MARK / CONNMARK value changes as one `value`/`mask` pair with --set-xmark semantics.
    private mutating func markAction(_ target: IptablesSection, ct: Bool) -> RuleElement {
        let markKeys: [IptablesOptionGrammar.Key] = [.setXmark, .setMark, .andMark, .orMark, .xorMark]
        guard let option = target.options.last(where: { $0.key.map(markKeys.contains) == true }) else {
            return unknown(section: target, kind: "target", mayAffectVerdict: false)
        }
        guard let (value, mask) = IptablesValueSyntax.maskedNumber(value(option)) else {
            return invalid(option, owner: target.name, kind: "target", "bad mark '\(value(option))'")
        }
        let full = UInt64(UInt32.max)
        let xmark: (UInt64, UInt64)
        switch option.key {
        case .setXmark?: xmark = (value, mask ?? full)
        case .setMark?: xmark = (value, (mask ?? full) | value)
        case .andMark?: xmark = (0, ~value & full)
        case .orMark?: xmark = (value, value)
        default: xmark = (value, 0)
        }
        return .action(ct ? .setCtMark(value: xmark.0, mask: xmark.1) : .setMark(value: xmark.0, mask: xmark.1))
    }

    /// The options after `-j NAME`, as written.
    private func optionsText(_ target: IptablesSection) -> String {
        target.options.map { text($0.tokens) }.joined(separator: " ")
    }
}
