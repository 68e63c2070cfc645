/// Renders rule tokens back into `iptables-save` text: the inverse of IptablesSaveTokenizer, with the
/// quoting iptables itself uses, so a rule's text is the line iptables-save prints for it.
enum IptablesSaveLine {
    /// Options whose value iptables prints with xtables_save_string (quoted unless it is made only
    /// of letters, digits, `_` and `-`).
    static func isStringOption(_ option: String) -> Bool {
        switch option.utf8.count {
        case 9: return option == "--comment"
        case 12: return option == "--log-prefix"
        case 14: return option == "--nflog-prefix"
        default: return false
        }
    }

    /// Written into scratch space sized for the worst case (every byte escaped, quotes, separator),
    /// then copied into a string of the line's own size: rule sets keep a hundred thousand of these.
    static func render(_ tokens: some Collection<String>) -> String {
        var capacity = 0
        for token in tokens { capacity += token.utf8.count * 2 + 3 }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var writer = Writer(buffer: buffer)
            var first = true
            var previousIsStringOption = false
            for var token in tokens {
                if !first { writer.append(0x20) }
                first = false
                token.withUTF8 { bytes in
                    if previousIsStringOption {
                        if isPlainSaveString(bytes) { writer.append(bytes) } else { writer.appendQuoted(bytes) }
                    } else if needsQuotes(bytes) {
                        writer.appendQuoted(bytes)
                    } else {
                        writer.append(bytes)
                    }
                }
                previousIsStringOption = isStringOption(token)
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<writer.count]), as: UTF8.self)
        }
    }

    /// Any other token needs quotes only when the tokenizer would split or strip it.
    private static func needsQuotes(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        token.isEmpty || token.contains { $0 == 0x20 || $0 == 0x09 || $0 == 0x22 }
    }

    private static func isPlainSaveString(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        !value.isEmpty && value.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == 0x5f || b == 0x2d
        }
    }

    private struct Writer {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func append(_ byte: UInt8) {
            buffer[count] = byte
            count += 1
        }

        mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            (buffer.baseAddress! + count).update(from: base, count: bytes.count)
            count += bytes.count
        }

        /// `"..."` with `"`, `\` and `'` escaped by a backslash, as xtables_save_string does.
        mutating func appendQuoted(_ bytes: UnsafeBufferPointer<UInt8>) {
            append(0x22)
            for byte in bytes {
                if byte == 0x22 || byte == 0x5c || byte == 0x27 { append(0x5c) }
                append(byte)
            }
            append(0x22)
        }
    }
}
