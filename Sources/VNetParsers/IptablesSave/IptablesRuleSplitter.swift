import VNetModel

/// One option of a rule as written: `[!] NAME VALUE...`.
struct IptablesOption {
    var name: String
    var values: ArraySlice<String>
    var negated: Bool
    /// Token indices it spans, a leading `!` included (for error columns and unknown-element text).
    var tokens: Range<Int>

    var value: String { values.first ?? "" }
}

/// A `-m NAME` match or the `-j NAME` / `-g NAME` target, with the options that belong to it.
struct IptablesSection {
    var name: String
    var options: [IptablesOption]
    /// Token indices of `-m NAME` / `-j NAME` (empty for a match `-p` loaded implicitly).
    var head: Range<Int>
}

/// Something wrong at a token; the text parser turns the first one into an error with a column.
struct IptablesRuleProblem: Equatable {
    var tokenIndex: Int
    var message: String
}

/// The options of one rule, grouped the way iptables' getopt loop assigns them: main options, the
/// matches in order, the target.
struct IptablesRuleParts {
    var chain: String?
    var header: [(option: IptablesOptionGrammar.MainOption, value: IptablesOption)] = []
    var matches: [IptablesSection] = []
    var target: IptablesSection?
    var isGoto = false
    var counters: Counters?
    /// Token ranges of `-c P B`, left out of the rule text.
    var counterTokens: [Range<Int>] = []
    /// `-4`/`-6` naming the other family: iptables-restore skips such a rule.
    var otherFamilyOnly = false
    var problems: [IptablesRuleProblem] = []
}

/// Splits argv-like rule tokens into IptablesRuleParts. An option goes to the latest `-m`/`-j` that
/// knows it, else to an earlier match that knows it, else to the match `-p` loads implicitly; an
/// option nobody knows stays with the latest section and takes the values up to the next option.
enum IptablesRuleSplitter {
    private enum Context { case main, match(Int), target }

    static func split(_ tokens: [String], family: AddressFamily) -> IptablesRuleParts {
        var parts = IptablesRuleParts()
        var context = Context.main
        var negationStart: Int?
        var i = 0
        while i < tokens.count {
            let token = tokens[i]
            if token == "!" {
                if negationStart != nil { parts.problems.append(IptablesRuleProblem(tokenIndex: i, message: "'!' given twice")) }
                negationStart = i
                i += 1
                continue
            }
            guard isOptionName(token) else {
                parts.problems.append(IptablesRuleProblem(tokenIndex: i, message: "unexpected '\(token)' where an option was expected"))
                negationStart = nil
                i += 1
                continue
            }
            let start = negationStart ?? i
            var negated = negationStart != nil
            negationStart = nil

            if let main = IptablesOptionGrammar.mainOption(token) {
                let (values, next, oldStyleNegation) = takeValues(tokens, after: i, arity: main.arity)
                negated = negated || oldStyleNegation
                if values.count < main.arity {
                    parts.problems.append(IptablesRuleProblem(tokenIndex: i, message: "option \(token) needs \(main.arity == 1 ? "a value" : "\(main.arity) values")"))
                    i = next
                    continue
                }
                let option = IptablesOption(name: token, values: values, negated: negated, tokens: start..<next)
                switch main {
                case .append:
                    parts.chain = option.value
                case .match:
                    parts.matches.append(IptablesSection(name: option.value, options: [], head: start..<next))
                    context = .match(parts.matches.count - 1)
                case .jump, .goto:
                    if parts.target != nil { parts.problems.append(IptablesRuleProblem(tokenIndex: i, message: "more than one target")) }
                    parts.target = IptablesSection(name: option.value, options: [], head: start..<next)
                    parts.isGoto = main == .goto
                    context = .target
                case .counters:
                    if let packets = UInt64(values[values.startIndex]), let bytes = UInt64(values[values.startIndex + 1]) {
                        parts.counters = Counters(packets: packets, bytes: bytes)
                    } else {
                        parts.problems.append(IptablesRuleProblem(tokenIndex: i + 1, message: "bad counters '\(values.joined(separator: " "))'"))
                    }
                    parts.counterTokens.append(start..<next)
                case .ipv4Only:
                    parts.otherFamilyOnly = parts.otherFamilyOnly || family != .ipv4
                case .ipv6Only:
                    parts.otherFamilyOnly = parts.otherFamilyOnly || family != .ipv6
                default:
                    parts.header.append((main, option))
                }
                if negated, !main.negatable {
                    parts.problems.append(IptablesRuleProblem(tokenIndex: start, message: "'!' cannot negate \(token)"))
                }
                i = next
                continue
            }

            // An extension option: find the section it belongs to.
            let owner = owningSection(of: token, context: context, parts: &parts, family: family)
            let arity = owner.arity
            let (values, next, oldStyleNegation) = takeValues(tokens, after: i, arity: arity ?? -1)
            if let arity, values.count < arity {
                parts.problems.append(IptablesRuleProblem(tokenIndex: i, message: "option \(token) needs \(arity == 1 ? "a value" : "\(arity) values")"))
            }
            let option = IptablesOption(name: token, values: values, negated: negated || oldStyleNegation, tokens: start..<next)
            switch owner.section {
            case .match(let index):
                parts.matches[index].options.append(option)
            case .target:
                parts.target?.options.append(option)
            case .main:
                parts.problems.append(IptablesRuleProblem(tokenIndex: i, message: "unknown option '\(token)'"))
            }
            i = next
        }
        if let negationStart {
            parts.problems.append(IptablesRuleProblem(tokenIndex: negationStart, message: "'!' at the end of the rule"))
        }
        return parts
    }

    /// `-x` or `--xyz` (and the family flags `-4`/`-6`); a lone `-` or a negative number is a value.
    private static func isOptionName(_ token: String) -> Bool {
        let utf8 = token.utf8
        guard utf8.count >= 2, utf8.first == 0x2d else { return false }
        let second = utf8[utf8.index(after: utf8.startIndex)]
        return !(second >= 0x30 && second <= 0x39) || token == "-4" || token == "-6"
    }

    /// The values after the option at `index`: exactly `arity`, or for an unknown option (arity -1)
    /// everything up to the next option or `!`. Also takes an old-style `!` between option and value.
    private static func takeValues(_ tokens: [String], after index: Int, arity: Int) -> (ArraySlice<String>, Int, Bool) {
        var start = index + 1
        var negated = false
        if arity != 0, start + 1 < tokens.count, tokens[start] == "!", !isOptionName(tokens[start + 1]) {
            negated = true
            start += 1
        }
        var end = start
        if arity >= 0 {
            end = min(start + arity, tokens.count)
        } else {
            while end < tokens.count, tokens[end] != "!", !isOptionName(tokens[end]) { end += 1 }
        }
        return (tokens[start..<end], end, negated)
    }

    private static func owningSection(of option: String, context: Context, parts: inout IptablesRuleParts,
                                      family: AddressFamily) -> (section: Context, arity: Int?) {
        switch context {
        case .match(let index):
            if let arity = IptablesOptionGrammar.matchOptions[parts.matches[index].name]?[option] { return (context, arity) }
        case .target:
            if let name = parts.target?.name, let arity = IptablesOptionGrammar.targetOptions[name]?[option] { return (context, arity) }
        case .main:
            break
        }
        for (index, section) in parts.matches.enumerated().reversed() {
            if let arity = IptablesOptionGrammar.matchOptions[section.name]?[option] { return (.match(index), arity) }
        }
        if let proto = parts.header.last(where: { $0.option == .proto && !$0.value.negated }),
           let number = XtablesNames.protocolNumber(proto.value.value),
           let implicit = IptablesOptionGrammar.implicitMatch(forProtocol: number, family: family),
           let arity = IptablesOptionGrammar.matchOptions[implicit]?[option] {
            let at = proto.value.tokens.upperBound
            parts.matches.append(IptablesSection(name: implicit, options: [], head: at..<at))
            return (.match(parts.matches.count - 1), arity)
        }
        return (context, nil)
    }
}
