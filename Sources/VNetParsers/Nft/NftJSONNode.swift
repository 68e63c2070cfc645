import Foundation

/// Where an element sits in the document: a chain of steps, spelled out only for an error message
/// (building the text for every element of a 100,000-rule file would cost more than decoding it).
final class NftJSONPath: CustomStringConvertible, Sendable {
    private enum Step: Sendable { case member(String), element(Int) }
    private let parent: NftJSONPath?
    private let step: Step?

    static let root = NftJSONPath(parent: nil, step: nil)
    private init(parent: NftJSONPath?, step: Step?) {
        self.parent = parent
        self.step = step
    }

    func member(_ key: String) -> NftJSONPath { NftJSONPath(parent: self, step: .member(key)) }
    func element(_ index: Int) -> NftJSONPath { NftJSONPath(parent: self, step: .element(index)) }

    var description: String {
        let head = parent?.description ?? ""
        switch step {
        case nil: return head
        case .member(let key): return head.isEmpty ? key : "\(head).\(key)"
        case .element(let index): return "\(head)[\(index)]"
        }
    }
}

/// One element of a parsed `nft -j` document with its path (`nftables[3].rule.expr[1]`), so every
/// type check can say where in which file the input was wrong.
struct NftJSONNode {
    let value: Any
    let location: NftJSONPath
    let file: String

    var path: String { location.description }

    func error(_ message: String) -> NftDecodingError {
        NftDecodingError(.malformed, file: file, location: path, message: message)
    }

    var isNull: Bool { value is NSNull }

    func object() throws -> [String: Any] {
        guard let o = value as? [String: Any] else { throw error("expected an object, found \(kindName)") }
        return o
    }

    func array() throws -> [NftJSONNode] {
        guard let a = value as? [Any] else { throw error("expected an array, found \(kindName)") }
        return a.enumerated().map { NftJSONNode(value: $1, location: location.element($0), file: file) }
    }

    /// A member of this object, nil when absent or null.
    func optional(_ key: String) throws -> NftJSONNode? {
        guard let v = try object()[key], !(v is NSNull) else { return nil }
        return NftJSONNode(value: v, location: location.member(key), file: file)
    }

    func required(_ key: String) throws -> NftJSONNode {
        guard let v = try object()[key] else { throw error("missing \"\(key)\"") }
        return NftJSONNode(value: v, location: location.member(key), file: file)
    }

    /// The single member of a `{"name": body}` statement or expression.
    func singleMember() throws -> (name: String, body: NftJSONNode) {
        let o = try object()
        guard o.count == 1, let (key, v) = o.first else {
            throw error("expected an object with one member, found \(o.count)")
        }
        return (key, NftJSONNode(value: v, location: location.member(key), file: file))
    }

    func string() throws -> String {
        guard let s = value as? String else { throw error("expected a string, found \(kindName)") }
        return s
    }

    /// A non-negative whole number.
    func unsigned() throws -> UInt64 {
        guard let n = number, n.doubleValue >= 0, n.doubleValue.rounded() == n.doubleValue,
              n.doubleValue < 18_446_744_073_709_551_616 else {
            throw error("expected a non-negative integer, found \(kindName)")
        }
        return n.uint64Value
    }

    func signed() throws -> Int64 {
        guard let n = number, n.doubleValue.rounded() == n.doubleValue,
              abs(n.doubleValue) < 9_223_372_036_854_775_808 else {
            throw error("expected an integer, found \(kindName)")
        }
        return n.int64Value
    }

    /// A string or an array of strings (nft prints one flag bare, several as a list).
    func strings() throws -> [String] {
        if value is String { return [try string()] }
        return try array().map { try $0.string() }
    }

    /// JSON `true`/`false` (Foundation hands both numbers and booleans over as NSNumber).
    var isBoolean: Bool {
        guard let n = value as? NSNumber else { return false }
        return String(cString: n.objCType) == "c"
    }

    var number: NSNumber? {
        guard !(value is String), !(value is NSNull) else { return nil }
        return value as? NSNumber
    }

    /// Compact JSON text of this element (the evidence kept for things not understood).
    var text: String {
        guard JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) else {
            return String(describing: value)
        }
        let s = String(decoding: data, as: UTF8.self)
        return String(s.dropFirst().dropLast())
    }

    private var kindName: String {
        switch value {
        case is NSNull: return "null"
        case is String: return "a string"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case is NSNumber: return "a number"
        default: return "\(type(of: value))"
        }
    }
}
