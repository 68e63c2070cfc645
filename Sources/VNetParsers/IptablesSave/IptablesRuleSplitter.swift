import VNetModel

/// One option of a rule as written: `[!] NAME VALUE...`, as indices into the rule's tokens (plain
/// values, nothing to retain: rules are built by the hundred thousand).
struct IptablesOption {
    var nameIndex: Int
    /// The option as the grammar knows it; nil for an option of an unknown extension.
    var key: IptablesOptionGrammar.Key?
    var valueRange: Range<Int>
    var negated: Bool
    /// Token indices it spans, a leading `!` included (for error columns and unknown-element text).
    var tokens: Range<Int>
}

/// Reading an option's name and values back from the tokens it indexes.
protocol IptablesTokenReader {
    var tokens: [String] { get }
}

extension IptablesTokenReader {
    func name(_ option: IptablesOption) -> String { tokens[option.nameIndex] }
    func values(_ option: IptablesOption) -> ArraySlice<String> { tokens[option.valueRange] }
    /// The first value, or "" for an option without values.
    func value(_ option: IptablesOption) -> String {
        option.valueRange.isEmpty ? "" : tokens[option.valueRange.lowerBound]
    }
}

/// A `-m NAME` match or the `-j NAME` / `-g NAME` target, with the options that belong to it.
struct IptablesSection {
    var name: String
    /// The extension as the grammar knows it; nil when unknown (then the section stays whole as text).
    var spec: IptablesOptionGrammar.ExtensionSpec?
    var options: [IptablesOption] = []
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
        parts.header.reserveCapacity(6)
        var context = Context.main
        var negationStart: Int?
        var i = 0
        while i < tokens.count {
            let token = tokens[i]
            if isBang(token) {
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
                let value = values.isEmpty ? "" : tokens[values.lowerBound]
                if values.count < main.arity {
                    parts.problems.append(IptablesRuleProblem(tokenIndex: i, message: "option \(token) needs \(main.arity == 1 ? "a value" : "\(main.arity) values")"))
                    i = next
                    continue
                }
                let option = IptablesOption(nameIndex: i, key: nil, valueRange: values, negated: negated, tokens: start..<next)
                switch main {
                case .append:
                    parts.chain = value
                case .match:
                    parts.matches.append(IptablesSection(name: value, spec: IptablesOptionGrammar.matches[value], head: start..<next))
                    context = .match(parts.matches.count - 1)
                case .jump, .goto:
                    if parts.target != nil { parts.problems.append(IptablesRuleProblem(tokenIndex: i, message: "more than one target")) }
                    parts.target = IptablesSection(name: value, spec: IptablesOptionGrammar.targets[value], head: start..<next)
                    parts.isGoto = main == .goto
                    context = .target
                case .counters:
                    if let packets = UInt64(tokens[values.lowerBound]), let bytes = UInt64(tokens[values.lowerBound + 1]) {
                        parts.counters = Counters(packets: packets, bytes: bytes)
                    } else {
                        parts.problems.append(IptablesRuleProblem(tokenIndex: i + 1, message: "bad counters '\(tokens[values].joined(separator: " "))'"))
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
            let (owner, spec) = owningSection(of: token, context: context, parts: &parts, tokens: tokens, family: family)
            let (values, next, oldStyleNegation) = takeValues(tokens, after: i, arity: spec?.arity ?? -1)
            if let arity = spec?.arity, values.count < arity {
                parts.problems.append(IptablesRuleProblem(tokenIndex: i, message: "option \(token) needs \(arity == 1 ? "a value" : "\(arity) values")"))
            }
            let option = IptablesOption(nameIndex: i, key: spec?.key, valueRange: values, negated: negated || oldStyleNegation,
                                        tokens: start..<next)
            switch owner {
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

    private static func isBang(_ token: String) -> Bool {
        token.utf8.count == 1 && token.utf8.first == UInt8(ascii: "!")
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
    private static func takeValues(_ tokens: [String], after index: Int, arity: Int) -> (Range<Int>, Int, Bool) {
        var start = index + 1
        var negated = false
        if arity != 0, start + 1 < tokens.count, isBang(tokens[start]), !isOptionName(tokens[start + 1]) {
            negated = true
            start += 1
        }
        var end = start
        if arity >= 0 {
            end = min(start + arity, tokens.count)
        } else {
            while end < tokens.count, !isBang(tokens[end]), !isOptionName(tokens[end]) { end += 1 }
        }
        return (start..<end, end, negated)
    }

    private static func owningSection(of option: String, context: Context, parts: inout IptablesRuleParts,
                                      tokens: [String], family: AddressFamily) -> (Context, IptablesOptionGrammar.OptionSpec?) {
        switch context {
        case .match(let index):
            if let spec = parts.matches[index].spec?.options[option] { return (context, spec) }
        case .target:
            if let spec = parts.target?.spec?.options[option] { return (context, spec) }
        case .main:
            break
        }
        for index in parts.matches.indices.reversed() {
            if let spec = parts.matches[index].spec?.options[option] { return (.match(index), spec) }
        }
        if let proto = parts.header.last(where: { $0.option == .proto && !$0.value.negated }),
           !proto.value.valueRange.isEmpty, let number = XtablesNames.protocolNumber(tokens[proto.value.valueRange.lowerBound]),
           let implicit = IptablesOptionGrammar.implicitMatch(forProtocol: number, family: family),
           let extensionSpec = IptablesOptionGrammar.matches[implicit], let spec = extensionSpec.options[option] {
            let at = proto.value.tokens.upperBound
            parts.matches.append(IptablesSection(name: implicit, spec: extensionSpec, head: at..<at))
            return (.match(parts.matches.count - 1), spec)
        }
        return (context, nil)
    }
}
