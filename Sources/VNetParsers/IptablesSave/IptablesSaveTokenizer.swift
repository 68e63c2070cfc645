/// Splits one `iptables-save` line into argv-like tokens the way iptables-restore does
/// (xshared.c add_param_to_argv): blanks separate; `"` opens a quoted part in which `\` escapes the
/// next byte; the closing `"` ends the token.
enum IptablesSaveTokenizer {
    struct Token {
        var text: String
        /// 1-based byte column where the token starts.
        var column: Int
    }

    enum Failure: Error {
        /// Column of the opening quote.
        case unterminatedQuote(column: Int)
    }

    /// Tokens of `line` (no line terminator); `firstColumn` is the column of `line.first`.
    static func tokens(_ line: ArraySlice<UInt8>, firstColumn: Int) throws(Failure) -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(16)
        var buffer: [UInt8] = []
        var i = line.startIndex
        let end = line.endIndex
        let base = firstColumn - line.startIndex
        while i < end {
            let byte = line[i]
            if byte == 0x20 || byte == 0x09 {
                i += 1
                continue
            }
            let start = i
            // Fast path: a plain token without quotes is a direct slice.
            var j = i
            while j < end, line[j] != 0x20, line[j] != 0x09, line[j] != 0x22 { j += 1 }
            if j == end || line[j] != 0x22 {
                tokens.append(Token(text: String(decoding: line[start..<j], as: UTF8.self), column: base + start))
                i = j
                continue
            }
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: line[start..<j])
            i = j
            while i < end {
                let b = line[i]
                if b == 0x22 {
                    let quoteColumn = base + i
                    i += 1
                    var escaped = false
                    var terminated = false
                    while i < end {
                        let q = line[i]
                        i += 1
                        if escaped {
                            buffer.append(q)
                            escaped = false
                        } else if q == 0x5c {
                            escaped = true
                        } else if q == 0x22 {
                            terminated = true
                            break
                        } else {
                            buffer.append(q)
                        }
                    }
                    guard terminated else { throw .unterminatedQuote(column: quoteColumn) }
                    break
                } else if b == 0x20 || b == 0x09 {
                    break
                } else {
                    buffer.append(b)
                    i += 1
                }
            }
            tokens.append(Token(text: String(decoding: buffer, as: UTF8.self), column: base + start))
        }
        return tokens
    }
}
