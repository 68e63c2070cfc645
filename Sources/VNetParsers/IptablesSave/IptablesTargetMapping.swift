import VNetModel

/// `-j NAME ...` / `-g NAME` as an action. Mark targets are normalised to `--set-xmark` semantics
/// (new = (old & ~mask) ^ value), the form the kernel stores, so text and binary rules agree.
extension IptablesElementMapper {
    mutating func targetElement(_ target: IptablesSection, isGoto: Bool, chains: Set<String>?) -> RuleElement {
        let name = target.name
        if isGoto { return .action(.goto(name)) }
        switch name {
        case "ACCEPT": return .action(.accept)
        case "DROP": return .action(.drop)
        case "RETURN": return .action(.return)
        case "QUEUE": return .action(.queue(nil))
        default: break
        }
        if chains?.contains(name) == true { return .action(.jump(name)) }
        guard let grammar = IptablesOptionGrammar.targetOptions[name],
              !target.options.contains(where: { grammar[$0.name] == nil }) else {
            if chains == nil && target.options.isEmpty && IptablesOptionGrammar.targetOptions[name] == nil {
                return .action(.jump(name))
            }
            return unknown(section: target, kind: "target",
                           mayAffectVerdict: !IptablesOptionGrammar.nonTerminalTargets.contains(name))
        }
        let options = TargetOptions(all: target.options)
        var flags: [String] = []
        for flag in ["random", "random-fully", "persistent"] where options["--" + flag] != nil { flags.append(flag) }
        switch name {
        case "REJECT":
            guard let option = options["--reject-with"] else { return .action(.reject(with: XtablesNames.defaultRejectWith(family))) }
            guard let with = XtablesNames.rejectWith(option.value, family: family) else {
                return invalid(option, owner: name, kind: "target", "unknown --reject-with '\(option.value)'")
            }
            return .action(.reject(with: with))
        case "MASQUERADE", "REDIRECT":
            var ports: PortRange?
            if let option = options["--to-ports"] {
                guard let range = IptablesValueSyntax.portRange(option.value[...]) else {
                    return invalid(option, owner: name, kind: "target", "bad port range '\(option.value)' for --to-ports")
                }
                ports = range
            }
            return .action(name == "MASQUERADE" ? .masquerade(ports: ports, flags: flags) : .redirect(ports: ports, flags: flags))
        case "SNAT", "DNAT":
            let optionName = name == "SNAT" ? "--to-source" : "--to-destination"
            var addresses: AddressRange?
            var ports: PortRange?
            if let option = options[optionName] {
                guard let range = IptablesValueSyntax.natRange(option.value, family: family) else {
                    return invalid(option, owner: name, kind: "target", "bad \(optionName) '\(option.value)'")
                }
                (addresses, ports) = range
            }
            return .action(name == "SNAT" ? .snat(addresses: addresses, ports: ports, flags: flags)
                                          : .dnat(addresses: addresses, ports: ports, flags: flags))
        case "MARK":
            return markAction(target, ct: false)
        case "CONNMARK":
            if options["--save-mark"] != nil || options["--restore-mark"] != nil
                || options["--left-shift-mark"] != nil || options["--right-shift-mark"] != nil {
                return .action(.statement(name: name, detail: optionsText(target)))
            }
            return markAction(target, ct: true)
        case "LOG":
            return .action(.log(prefix: options["--log-prefix"]?.value))
        case "NOTRACK":
            return .action(.notrack)
        case "CT":
            if options["--notrack"] != nil { return .action(.notrack) }
            return .action(.statement(name: name, detail: optionsText(target)))
        default:
            // CHECKSUM, TCPMSS: non-terminal, no effect on fate or addresses.
            return .action(.statement(name: name, detail: optionsText(target)))
        }
    }

    /// MARK / CONNMARK value changes as one `value`/`mask` pair with --set-xmark semantics.
    private mutating func markAction(_ target: IptablesSection, ct: Bool) -> RuleElement {
        let markOptions: Set<String> = ["--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark"]
        guard let option = target.options.last(where: { markOptions.contains($0.name) }) else {
            return unknown(section: target, kind: "target", mayAffectVerdict: false)
        }
        guard let (value, mask) = IptablesValueSyntax.maskedNumber(option.value) else {
            return invalid(option, owner: target.name, kind: "target", "bad mark '\(option.value)'")
        }
        let full = UInt64(UInt32.max)
        let xmark: (UInt64, UInt64)
        switch option.name {
        case "--set-xmark": xmark = (value, mask ?? full)
        case "--set-mark": xmark = (value, (mask ?? full) | value)
        case "--and-mark": xmark = (0, ~value & full)
        case "--or-mark": xmark = (value, value)
        case "--xor-mark": xmark = (value, 0)
        default: return unknown(option, owner: target.name, kind: "target", mayAffectVerdict: false)
        }
        return .action(ct ? .setCtMark(value: xmark.0, mask: xmark.1) : .setMark(value: xmark.0, mask: xmark.1))
    }

    /// A target's few options, looked up by name (first one wins).
    private struct TargetOptions {
        let all: [IptablesOption]
        subscript(name: String) -> IptablesOption? { all.first { $0.name == name } }
    }

    /// The options after `-j NAME`, as written.
    private func optionsText(_ target: IptablesSection) -> String {
        target.options.map { text($0.tokens) }.joined(separator: " ")
    }
}
