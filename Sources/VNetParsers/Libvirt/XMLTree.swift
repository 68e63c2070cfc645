import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element with the position it started at, so errors found while interpreting the
/// document (a bad address, an unknown mode) can point at the line of the element.
struct XMLTree: Sendable {
    var name: String
    var attributes: [String: String]
    var children: [XMLTree]
    /// Character data directly inside this element, whitespace-trimmed.
    var text: String
    var line: Int
    var column: Int

    func child(_ name: String) -> XMLTree? { children.first { $0.name == name } }
    func children(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }
    subscript(attribute: String) -> String? { attributes[attribute] }

    /// Parses a whole document; the root element is returned. Input is screened by `XMLInputGuard`
    /// first, and external entities are never loaded.
    static func parse(_ data: Data, file: String) throws -> XMLTree {
        try XMLInputGuard.check(data, file: file)
        let builder = XMLTreeBuilder()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            let message = builder.failure ?? parser.parserError.map(XMLTree.malformed) ?? "not a well-formed XML document"
            throw LibvirtXMLError(file: file, line: builder.failureLine ?? max(parser.lineNumber, 1),
                                  column: builder.failureColumn ?? max(parser.columnNumber, 1), message: message)
        }
        return root
    }

    static func malformed(_ error: Error) -> String {
        let ns = error as NSError
        if let reason = ns.userInfo[NSLocalizedDescriptionKey] as? String, !reason.isEmpty { return "malformed XML: \(reason)" }
        return "malformed XML (XMLParser error \(ns.code))"
    }
}

/// SAX delegate that assembles an `XMLTree`. A stack of open elements; text is accumulated per element.
private final class XMLTreeBuilder: NSObject, XMLParserDelegate {
    var stack: [XMLTree] = []
    var root: XMLTree?
    var failure: String?
    var failureLine: Int?
    var failureColumn: Int?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        stack.append(XMLTree(name: elementName, attributes: attributeDict, children: [], text: "",
                             line: parser.lineNumber, column: parser.columnNumber))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard var done = stack.popLast() else { return }
        done.text = done.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if stack.isEmpty {
            root = done
        } else {
            stack[stack.count - 1].children.append(done)
        }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        guard failure == nil else { return }
        failure = XMLTree.malformed(parseError)
        failureLine = max(parser.lineNumber, 1)
        failureColumn = max(parser.columnNumber, 1)
    }
}
