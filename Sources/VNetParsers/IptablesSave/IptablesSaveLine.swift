/// Renders rule tokens back into `iptables-save` text: the inverse of IptablesSaveTokenizer, with the
/// quoting iptables itself uses, so a rule's text is the line iptables-save prints for it.
enum IptablesSaveLine {
    /// Options whose value iptables prints with xtables_save_string (quoted unless it is made only
    /// of letters, digits, `_` and `-`).
    static let stringOptions: Set<String> = ["--comment", "--log-prefix", "--nflog-prefix"]

    static func render(_ tokens: some Collection<String>) -> String {
        var out = ""
        out.reserveCapacity(tokens.count * 8)
        var previous: String?
        for token in tokens {
            if previous != nil { out.append(" ") }
            if let previous, stringOptions.contains(previous) {
                appendSaveString(token, to: &out)
            } else if needsQuotes(token) {
                appendQuoted(token, to: &out)
            } else {
                out.append(token)
            }
            previous = token
        }
        return out
    }

    /// Any other token needs quotes only when the tokenizer would split or strip it.
    private static func needsQuotes(_ token: String) -> Bool {
        token.isEmpty || token.utf8.contains { $0 == 0x20 || $0 == 0x09 || $0 == 0x22 }
    }

    private static func appendSaveString(_ value: String, to out: inout String) {
        let plain = !value.isEmpty && value.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == 0x5f || b == 0x2d
        }
        if plain { out.append(value) } else { appendQuoted(value, to: &out) }
    }

    /// `"..."` with `"`, `\` and `'` escaped by a backslash, as xtables_save_string does.
    private static func appendQuoted(_ value: String, to out: inout String) {
        out.append("\"")
        for scalar in value.unicodeScalars {
            if scalar == "\"" || scalar == "\\" || scalar == "'" { out.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        out.append("\"")
    }
}
