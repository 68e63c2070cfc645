import VNetModel

/// The rule header options (`-s -d -i -o -p -f`) as matches.
extension IptablesElementMapper {
    /// Non-first fragments (`-f`): no nft selector names it, so the evaluator treats it as unknown.
    static let fragmentField = MatchField("ip.fragment")

    mutating func headerElement(_ kind: IptablesOptionGrammar.MainOption, _ option: IptablesOption) -> RuleElement? {
        let op: MatchOp = option.negated ? .ne : .eq
        switch kind {
        case .source, .destination:
            let field: MatchField = switch (family, kind == .source) {
            case (.ipv4, true): .ipSaddr
            case (.ipv4, false): .ipDaddr
            case (.ipv6, true): .ip6Saddr
            case (.ipv6, false): .ip6Daddr
            }
            var values: [MatchValue] = []
            var problem: RuleElement?
            _ = IptablesValueSyntax.forEachCommaItem(value(option)) { item in
                switch IptablesValueSyntax.addressSpec(item, family: family) {
                case .prefix(let prefix)?:
                    values.append(.prefix(prefix))
                    return true
                case .maskedAddress?:
                    problem = unknown(option, owner: kind == .source ? "source" : "destination")
                case nil:
                    problem = invalid(option, owner: name(option),
                                      "bad \(family == .ipv4 ? "IPv4" : "IPv6") address '\(item)' for \(name(option))")
                }
                return false
            }
            if let problem { return problem }
            return .match(Match(field, op, values.count == 1 ? values[0] : .set(values)))
        case .inInterface, .outInterface:
            let interface = value(option)
            guard !interface.isEmpty, interface.utf8.count < 16 else {
                return invalid(option, owner: name(option), "bad interface name '\(interface)' for \(name(option))")
            }
            return .match(Match(kind == .inInterface ? .iifname : .oifname, op, Self.interfaceValue(interface)))
        case .proto:
            guard let number = XtablesNames.protocolNumber(value(option)) else {
                return invalid(option, owner: "protocol", "unknown protocol '\(value(option))'")
            }
            if number == 0 {
                // `-p all` matches everything; `! -p all` nothing, which the model cannot say.
                return option.negated ? unknown(option, owner: "protocol") : nil
            }
            return .match(Match(.l4proto, op, .integer(UInt64(number))))
        case .fragment:
            return .match(Match(Self.fragmentField, op, .bool(true)))
        default:
            return nil
        }
    }

    /// `virbr+` is a prefix wildcard; anything else an exact name.
    static func interfaceValue(_ name: String) -> MatchValue {
        name.hasSuffix("+") ? .wildcard(prefix: String(name.dropLast())) : .string(name)
    }
}
