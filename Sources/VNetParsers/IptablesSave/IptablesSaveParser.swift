import VNetModel

/// Reads `iptables-save` / `ip6tables-save` output, legacy or nft flavour (both print the same
/// syntax; the nft one may add `# Warning: ...` comments), into model tables.
public enum IptablesSaveParser {
    /// Parses a whole save file. `system` says which kernel subsystem the tables live in. Any malformed
    /// line fails the whole parse with its file, line and column: no partial result.
    public static func parse(_ text: String, family: AddressFamily, system: RuleSystem, file: String) throws(IptablesSaveError) -> [FirewallTable] {
        var reader = IptablesSaveFileReader(family: family, system: system, file: file)
        try reader.read(Array(text.utf8))
        return reader.tables
    }
}

/// The line-by-line state machine behind IptablesSaveParser.parse.
struct IptablesSaveFileReader {
    let family: AddressFamily
    let system: RuleSystem
    let file: String
    private(set) var tables: [FirewallTable] = []

    private struct OpenTable {
        var name: String
        var line: Int
        var chains: [FirewallChain] = []
        var chainIndex: [String: Int] = [:]
        var chainNames: Set<String> = []
    }

    private var open: OpenTable?
    private var seenTables: Set<String> = []
    private var lineNumber = 0

    init(family: AddressFamily, system: RuleSystem, file: String) {
        self.family = family
        self.system = system
        self.file = file
    }

    mutating func read(_ bytes: [UInt8]) throws(IptablesSaveError) {
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0a { end += 1 }
            var contentEnd = end
            if contentEnd > start, bytes[contentEnd - 1] == 0x0d { contentEnd -= 1 }
            lineNumber += 1
            try readLine(bytes[start..<contentEnd])
            start = end + 1
        }
        if let open {
            throw IptablesSaveError(file: file, line: open.line, message: "table '\(open.name)' has no COMMIT before the end of the input")
        }
    }

    private func fail(_ message: String, column: Int? = nil) -> IptablesSaveError {
        IptablesSaveError(file: file, line: lineNumber, column: column, message: message)
    }

    private mutating func readLine(_ line: ArraySlice<UInt8>) throws(IptablesSaveError) {
        var first = line.startIndex
        while first < line.endIndex, line[first] == 0x20 || line[first] == 0x09 { first += 1 }
        guard first < line.endIndex else { return }
        var last = line.endIndex
        while line[last - 1] == 0x20 || line[last - 1] == 0x09 { last -= 1 }
        let content = line[first..<last]
        let column = first - line.startIndex + 1
        switch content.first {
        case UInt8(ascii: "#"):
            return
        case UInt8(ascii: "*"):
            try openTable(String(decoding: content.dropFirst(), as: UTF8.self), column: column)
        case UInt8(ascii: ":"):
            try declareChain(content, column: column)
        case UInt8(ascii: "-"), UInt8(ascii: "["):
            try addRule(content, column: column)
        default:
            if content.elementsEqual("COMMIT".utf8) {
                try commit()
            } else {
                throw fail("unexpected line: expected '*table', ':CHAIN POLICY', a rule, 'COMMIT' or a comment", column: column)
            }
        }
    }

    private mutating func openTable(_ name: String, column: Int) throws(IptablesSaveError) {
        if let open { throw fail("table '\(name)' starts before table '\(open.name)' (line \(open.line)) has its COMMIT", column: column) }
        guard IptablesBuiltinChains.chainsByTable[name] != nil else {
            throw fail("unknown table '\(name)' (expected filter, nat, mangle, raw or security)", column: column)
        }
        guard seenTables.insert(name).inserted else { throw fail("table '\(name)' appears twice", column: column) }
        open = OpenTable(name: name, line: lineNumber)
    }

    private mutating func commit() throws(IptablesSaveError) {
        guard let table = open else { throw fail("COMMIT without a table") }
        tables.append(FirewallTable(system: system, family: IptablesBuiltinChains.tableFamily(family), name: table.name,
                                    chains: table.chains))
        open = nil
    }

    /// `:NAME POLICY [packets:bytes]`; POLICY is ACCEPT/DROP for built-in chains, `-` for user chains.
    private mutating func declareChain(_ content: ArraySlice<UInt8>, column: Int) throws(IptablesSaveError) {
        guard var table = open else { throw fail("chain declared outside a table: no '*table' line before it", column: column) }
        let tokens = try tokenize(content.dropFirst(), firstColumn: column + 1)
        guard tokens.count == 2 || tokens.count == 3 else {
            throw fail("chain line must be ':CHAIN POLICY [packets:bytes]'", column: column)
        }
        let name = tokens[0].text
        guard !name.isEmpty, name.utf8.count <= 28 else { throw fail("bad chain name '\(name)'", column: tokens[0].column) }
        guard table.chainIndex[name] == nil else { throw fail("chain '\(name)' declared twice", column: tokens[0].column) }
        var counters: Counters?
        if tokens.count == 3 {
            guard let parsed = Self.bracketCounters(tokens[2].text) else {
                throw fail("bad counters '\(tokens[2].text)' (expected [packets:bytes])", column: tokens[2].column)
            }
            counters = parsed
        }
        let policyText = tokens[1].text
        var base: BaseChain?
        if IptablesBuiltinChains.chainsByTable[table.name]?.contains(name) == true {
            let policy: BaseChain.Policy
            switch policyText {
            case "ACCEPT": policy = .accept
            case "DROP": policy = .drop
            default: throw fail("built-in chain '\(name)' needs policy ACCEPT or DROP, not '\(policyText)'", column: tokens[1].column)
            }
            base = IptablesBuiltinChains.baseChain(table: table.name, chain: name, policy: policy, counters: counters)
        } else if policyText != "-" {
            throw fail("user chain '\(name)' cannot have policy '\(policyText)' (not a built-in chain of table '\(table.name)')",
                       column: tokens[1].column)
        }
        open = nil
        table.chainIndex[name] = table.chains.count
        table.chainNames.insert(name)
        table.chains.append(FirewallChain(name: name, base: base))
        open = table
    }

    /// `[packets:bytes] -A CHAIN options...`; counters are optional and may also come as
    /// `-c PACKETS BYTES` before `-A` or among the options.
    private mutating func addRule(_ content: ArraySlice<UInt8>, column: Int) throws(IptablesSaveError) {
        guard open != nil else { throw fail("rule outside a table: no '*table' line before it", column: column) }
        var tokens = try tokenize(content, firstColumn: column)
        var counters: Counters?
        if let first = tokens.first, first.text.hasPrefix("[") {
            guard let parsed = Self.bracketCounters(first.text) else {
                throw fail("bad counters '\(first.text)' (expected [packets:bytes])", column: first.column)
            }
            counters = parsed
            tokens.removeFirst()
        } else if let first = tokens.first, first.text == "-c" || first.text == "--set-counters" {
            guard tokens.count >= 3, let packets = UInt64(tokens[1].text), let bytes = UInt64(tokens[2].text) else {
                throw fail("bad counters after \(first.text) (expected PACKETS BYTES)", column: first.column)
            }
            counters = Counters(packets: packets, bytes: bytes)
            tokens.removeFirst(3)
        }
        guard let command = tokens.first else { throw fail("counters without a rule", column: column) }
        guard command.text == "-A" || command.text == "--append" else {
            throw fail("unsupported command '\(command.text)': only '-A CHAIN' rules are read", column: command.column)
        }
        guard tokens.count >= 2 else { throw fail("-A needs a chain name", column: command.column) }
        let chainName = tokens[1].text
        guard let chainIndex = open!.chainIndex[chainName] else {
            throw fail("rule for chain '\(chainName)', which table '\(open!.name)' does not declare", column: tokens[1].column)
        }
        let texts = tokens.map(\.text)
        let position = open!.chains[chainIndex].rules.count + 1
        let built = IptablesRuleBuilder.build(tokens: texts, family: family, position: position, counters: counters,
                                              chains: open!.chainNames)
        if let problem = built.problems.first {
            let at = min(problem.tokenIndex, tokens.count - 1)
            throw fail(problem.message, column: tokens[at].column)
        }
        if built.otherFamilyOnly { return }
        open!.chains[chainIndex].rules.append(built.rule)
    }

    private func tokenize(_ content: ArraySlice<UInt8>, firstColumn: Int) throws(IptablesSaveError) -> [IptablesSaveTokenizer.Token] {
        do throws(IptablesSaveTokenizer.Failure) {
            return try IptablesSaveTokenizer.tokens(content, firstColumn: firstColumn)
        } catch {
            switch error {
            case .unterminatedQuote(let column): throw fail("unterminated quote", column: column)
            }
        }
    }

    /// `[packets:bytes]`.
    static func bracketCounters(_ text: String) -> Counters? {
        guard text.hasPrefix("["), text.hasSuffix("]"), text.count >= 5 else { return nil }
        let inner = text.dropFirst().dropLast()
        let parts = inner.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let packets = UInt64(parts[0]), let bytes = UInt64(parts[1]) else { return nil }
        return Counters(packets: packets, bytes: bytes)
    }
}
