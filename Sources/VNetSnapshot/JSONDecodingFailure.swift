import Foundation

/// Turns a `DecodingError` into text that says where: the JSON path (`libvirt.networks[2].forward`)
/// and, for syntax errors, the line and column.
enum JSONDecodingFailure {
    static func describe(_ error: Error, in data: Data) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return "invalid value\(at(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return "invalid JSON" + syntaxError(in: data, fallback: context.debugDescription)
        case .keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)'\(at(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "expected \(type)\(at(context.codingPath)): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "missing \(type) value\(at(context.codingPath))"
        @unknown default:
            return "\(decoding)"
        }
    }

    private static func at(_ path: [CodingKey]) -> String {
        guard !path.isEmpty else { return "" }
        var text = ""
        for key in path {
            if let index = key.intValue, key.stringValue.hasPrefix("Index ") || key.stringValue == "\(index)" {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return " at \(text)"
    }

    /// JSONDecoder says only "not valid JSON"; JSONSerialization says why and often where ("around
    /// character N", or the end of the file), which becomes a line and column.
    private static func syntaxError(in data: Data, fallback: String) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return ": \(fallback)"
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? fallback
            let offset: Int?
            if reason.localizedCaseInsensitiveContains("end of file") || reason.localizedCaseInsensitiveContains("unexpected end") {
                offset = data.count
            } else if let range = reason.range(of: "character ") {
                offset = Int(reason[range.upperBound...].prefix { $0.isNumber })
            } else {
                offset = nil
            }
            return (offset.map { " (\(lineAndColumn(at: $0, in: data)))" } ?? "") + ": \(reason)"
        }
    }

    private static func lineAndColumn(at offset: Int, in data: Data) -> String {
        let before = data.prefix(max(0, min(offset, data.count)))
        let line = before.reduce(1) { $1 == 0x0a ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: 0x0a).map { before.index(after: $0) } ?? before.startIndex
        return "line \(line), column \(before.distance(from: lineStart, to: before.endIndex) + 1)"
    }
}
