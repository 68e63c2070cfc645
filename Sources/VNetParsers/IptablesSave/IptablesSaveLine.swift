/// Renders rule tokens back into `iptables-save` text: the inverse of IptablesSaveTokenizer, with the
/// quoting iptables itself uses, so a rule's text is the line iptables-save prints for it.
enum IptablesSaveLine {
    /// Options whose value iptables prints with xtables_save_string (quoted unless it is made only
    /// of letters, digits, `_` and `-`).
    static func isStringOption(_ option: String) -> Bool {
        option == "--comment" || option == "--log-prefix" || option == "--nflog-prefix"
    }

    static func render(_ tokens: some Collection<String>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(tokens.count * 12)
        var previous: String?
        for var token in tokens {
            if previous != nil { out.append(0x20) }
            token.withUTF8 { bytes in
                if let previous, isStringOption(previous) {
                    appendSaveString(bytes, to: &out)
                } else if needsQuotes(bytes) {
                    appendQuoted(bytes, to: &out)
                } else {
                    out.append(contentsOf: bytes)
                }
            }
            previous = token
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Any other token needs quotes only when the tokenizer would split or strip it.
    private static func needsQuotes(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        token.isEmpty || token.contains { $0 == 0x20 || $0 == 0x09 || $0 == 0x22 }
    }

    private static func appendSaveString(_ value: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let plain = !value.isEmpty && value.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == 0x5f || b == 0x2d
        }
        if plain { out.append(contentsOf: value) } else { appendQuoted(value, to: &out) }
    }

    /// `"..."` with `"`, `\` and `'` escaped by a backslash, as xtables_save_string does.
    private static func appendQuoted(_ value: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(0x22)
        for byte in value {
            if byte == 0x22 || byte == 0x5c || byte == 0x27 { out.append(0x5c) }
            out.append(byte)
        }
        out.append(0x22)
    }
}
