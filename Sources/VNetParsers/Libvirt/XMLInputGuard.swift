import Foundation

/// Rejects input that FoundationXML's `XMLParser` must not see. It runs libxml2 in recovery mode and
/// force-unwraps element and attribute names as UTF-8, so a name with invalid UTF-8 traps the whole
/// process (seen with random bytes on swift-corelibs-foundation 6.x). libvirt writes UTF-8 without a
/// DTD, so anything else is refused up front: an empty file, invalid UTF-8, and DOCTYPE/ENTITY
/// declarations (which would also bring entity expansion).
enum XMLInputGuard {
    static func check(_ data: Data, file: String) throws {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x09 || $0 == 0x0d }) {
            throw LibvirtXMLError(file: file, line: 1, column: 1, message: "empty file")
        }
        var line = 1, column = 1
        var iterator = data.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1, encoded.first == 0x0a {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                offset += encoded.count
            case .error(let length):
                throw LibvirtXMLError(file: file, line: line, column: column,
                                      message: "not UTF-8 (invalid byte at offset \(offset), \(length) byte(s))")
            case .emptyInput:
                try rejectDeclarations(data, file: file)
                return
            }
        }
    }

    private static func rejectDeclarations(_ data: Data, file: String) throws {
        for keyword in ["<!DOCTYPE", "<!ENTITY"] {
            guard let range = data.range(of: Data(keyword.utf8)) else { continue }
            let before = data[data.startIndex..<range.lowerBound]
            let line = before.reduce(1) { $1 == 0x0a ? $0 + 1 : $0 }
            let lineStart = before.lastIndex(of: 0x0a).map { $0 + 1 } ?? data.startIndex
            let column = String(decoding: data[lineStart..<range.lowerBound], as: UTF8.self).count + 1
            throw LibvirtXMLError(file: file, line: line, column: column,
                                  message: "\(keyword) is not allowed (libvirt files have no DTD)")
        }
    }
}
