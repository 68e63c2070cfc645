import VNetModel

extension IptablesSaveParser {
    /// One rule from argv-like tokens (`-A`, chain, options...), as `iptables-save` prints them.
    /// The one mapping from iptables options to the neutral model: the text parser, the libiptc
    /// reader (which prints binary rules into these tokens) and the iptables-nft compat decoding all
    /// come through here. Never fails: an option it cannot read becomes an `.unknown` element.
    ///
    /// - Parameter chains: the chains of the rule's table. `-j NAME` is a jump when NAME is one of
    ///   them; without the list, a `-j` to a name that is neither a verdict nor a known target and has
    ///   no options is taken as a jump.
    public static func rule(tokens: [String], family: AddressFamily, position: Int, counters: Counters?,
                            chains: Set<String>? = nil) -> FirewallRule {
        IptablesRuleBuilder.build(tokens: tokens, family: family, position: position, counters: counters, chains: chains).rule
    }
}

/// Assembles a rule: splits the tokens, maps header, matches and target to elements, renders the text.
enum IptablesRuleBuilder {
    struct Result {
        var rule: FirewallRule
        /// Problems in order; the text parser reports the first.
        var problems: [IptablesRuleProblem]
        /// `-4`/`-6` limited the rule to the other family: iptables-restore would skip it.
        var otherFamilyOnly: Bool
    }

    static func build(tokens: [String], family: AddressFamily, position: Int, counters: Counters?,
                      chains: Set<String>?) -> Result {
        if let rule = IptablesCommonRule.build(tokens: tokens, family: family, position: position, counters: counters, chains: chains) {
            return Result(rule: rule, problems: [], otherFamilyOnly: false)
        }
        return buildGeneral(tokens: tokens, family: family, position: position, counters: counters, chains: chains)
    }

    /// Any rule, through the splitter and the element mapper.
    static func buildGeneral(tokens: [String], family: AddressFamily, position: Int, counters: Counters?,
                             chains: Set<String>?) -> Result {
        let parts = IptablesRuleSplitter.split(tokens, family: family)
        var mapper = IptablesElementMapper(tokens: tokens, family: family)
        var elements: [RuleElement] = []
        // Usually one element per option: the model keeps these arrays, so reserve no more.
        elements.reserveCapacity(parts.matches.reduce(parts.header.count + 1) { $0 + max($1.options.count, 1) })
        var proto: UInt8?
        for (kind, option) in parts.header {
            if let element = mapper.headerElement(kind, option) { elements.append(element) }
            if kind == .proto, !option.negated { proto = XtablesNames.protocolNumber(mapper.value(option)) }
        }
        for section in parts.matches {
            mapper.appendMatchElements(section, proto: proto, to: &elements)
        }
        if let target = parts.target {
            elements.append(mapper.targetElement(target, isGoto: parts.isGoto, chains: chains))
        }
        var problems = parts.problems
        if !mapper.problems.isEmpty {
            problems += mapper.problems
            problems.sort { $0.tokenIndex < $1.tokenIndex }
        }
        if parts.chain == nil { problems.insert(IptablesRuleProblem(tokenIndex: 0, message: "rule without -A CHAIN"), at: 0) }
        let text: String
        if parts.counterTokens.isEmpty {
            text = IptablesSaveLine.render(tokens)
        } else {
            var kept = tokens.indices.map { _ in true }
            for range in parts.counterTokens { for i in range { kept[i] = false } }
            text = IptablesSaveLine.render(tokens.indices.filter { kept[$0] }.map { tokens[$0] })
        }
        let rule = FirewallRule(position: position, elements: elements, counters: parts.counters ?? counters,
                                comment: mapper.comment, text: text)
        return Result(rule: rule, problems: problems, otherFamilyOnly: parts.otherFamilyOnly)
    }
}

/// Maps the options of one rule to elements, noting problems (with the element kept as `.unknown`).
struct IptablesElementMapper: IptablesTokenReader {
    let tokens: [String]
    let family: AddressFamily
    var problems: [IptablesRuleProblem] = []
    /// `-m comment` text; several comments are joined with "; ".
    var comment: String?

    init(tokens: [String], family: AddressFamily) {
        self.tokens = tokens
        self.family = family
    }

    func text(_ range: Range<Int>) -> String {
        IptablesSaveLine.render(tokens[range.clamped(to: tokens.indices)])
    }

    /// Records a problem with an option and keeps it as an unknown element.
    mutating func invalid(_ option: IptablesOption, owner: String, kind: String = "match", _ message: String) -> RuleElement {
        problems.append(IptablesRuleProblem(tokenIndex: max(option.tokens.upperBound - 1, option.tokens.lowerBound), message: message))
        return unknown(option, owner: owner, kind: kind)
    }

    /// An option understood but not expressible in the model.
    func unknown(_ option: IptablesOption, owner: String, kind: String = "match", mayAffectVerdict: Bool = true) -> RuleElement {
        .unknown(UnknownElement(kind: kind, name: owner, text: text(option.tokens), mayAffectVerdict: mayAffectVerdict))
    }

    /// A whole `-m NAME ...` / `-j NAME ...` section kept as text.
    func unknown(section: IptablesSection, kind: String, mayAffectVerdict: Bool) -> RuleElement {
        var parts = [section.head.isEmpty ? (kind == "match" ? "-m " : "-j ") + section.name : text(section.head)]
        for option in section.options { parts.append(text(option.tokens)) }
        return .unknown(UnknownElement(kind: kind, name: section.name, text: parts.joined(separator: " "), mayAffectVerdict: mayAffectVerdict))
    }
}
