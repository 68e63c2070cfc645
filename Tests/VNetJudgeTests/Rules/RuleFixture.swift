import Foundation
import VNetJudge
import VNetModel

/// A rule fixture (Fixtures/rules/README.md): a lab snapshot as base, the change that makes it good or bad
/// for one rule, and what the rule must report.
struct RuleFixture {
    struct Expectation: Decodable {
        var status: CheckStatus
        /// The network the finding is about; absent or null for a host-level finding.
        var network: String?
        var family: AddressFamily?
        var messageContains: [String]?
    }

    let rule: String
    let name: String
    let description: String
    let expect: Expectation
    let host: HostState

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/rules")

    /// The fixture file names of every rule directory, by rule id.
    static func all() throws -> [String: [String]] {
        let manager = FileManager.default
        var found: [String: [String]] = [:]
        for entry in try manager.contentsOfDirectory(atPath: directory.path) where entry.hasPrefix("VNA-") {
            found[entry] = try manager.contentsOfDirectory(atPath: directory.appendingPathComponent(entry).path)
                .filter { $0.hasSuffix(".json") }.sorted()
        }
        return found
    }

    init(rule: String, file: String) throws {
        self.rule = rule
        name = String(file.dropLast(".json".count))
        let spec = try Self.object(Self.directory.appendingPathComponent("\(rule)/\(file)"))
        guard let base = spec["base"] as? String, let description = spec["description"] as? String else {
            throw FixtureError("\(rule)/\(file): needs base and description")
        }
        self.description = description
        var document: Any = try Self.object(Self.directory.appendingPathComponent("\(base).json"))
        if let merge = spec["merge"] { document = Self.mergePatch(document, merge) }
        for (path, selectors) in spec["remove"] as? [String: [[String: Any]]] ?? [:] {
            document = try Self.update(document, at: path.split(separator: ".").map(String.init)) { array in
                for selector in selectors where !array.contains(where: { Self.matches($0, selector) }) {
                    throw FixtureError("\(rule)/\(file): remove \(path) \(selector) matches nothing")
                }
                return array.filter { element in !selectors.contains { Self.matches(element, $0) } }
            }
        }
        for (path, items) in spec["append"] as? [String: [Any]] ?? [:] {
            document = try Self.update(document, at: path.split(separator: ".").map(String.init)) { $0 + items }
        }
        for (path, patches) in spec["patch"] as? [String: [[String: Any]]] ?? [:] {
            document = try Self.update(document, at: path.split(separator: ".").map(String.init)) { array in
                try patches.reduce(array) { elements, patch in
                    guard let selector = patch["where"] as? [String: Any], let merge = patch["merge"],
                          elements.contains(where: { Self.matches($0, selector) }) else {
                        throw FixtureError("\(rule)/\(file): patch \(path) \(patch) needs where and merge, and where must match")
                    }
                    return elements.map { Self.matches($0, selector) ? Self.mergePatch($0, merge) : $0 }
                }
            }
        }
        host = try ModelJSON.decoder().decode(HostState.self, from: JSONSerialization.data(withJSONObject: document))
        expect = try JSONDecoder().decode(Expectation.self,
                                          from: JSONSerialization.data(withJSONObject: spec["expect"] ?? [:]))
    }

    private static func object(_ url: URL) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw FixtureError("\(url.lastPathComponent): not a JSON object")
        }
        return object
    }

    /// RFC 7386: objects merge key by key, null deletes, anything else replaces.
    static func mergePatch(_ target: Any, _ patch: Any) -> Any {
        guard let patch = patch as? [String: Any] else { return patch }
        var result = target as? [String: Any] ?? [:]
        for (key, value) in patch {
            if value is NSNull { result[key] = nil } else { result[key] = mergePatch(result[key] ?? NSNull(), value) }
        }
        return result
    }

    private static func update(_ document: Any, at path: [String], _ change: ([Any]) throws -> [Any]) throws -> Any {
        guard let key = path.first, var object = document as? [String: Any] else {
            throw FixtureError("path \(path.joined(separator: ".")) does not lead through objects")
        }
        if path.count == 1 {
            guard let array = object[key] as? [Any] else { throw FixtureError("\(key) is not an array") }
            object[key] = try change(array)
        } else {
            object[key] = try update(object[key] as Any, at: Array(path.dropFirst()), change)
        }
        return object
    }

    private static func matches(_ element: Any, _ selector: [String: Any]) -> Bool {
        guard let element = element as? [String: Any] else { return false }
        // Compared as JSON text: Foundation's bridged numbers and booleans do not compare reliably.
        func text(_ value: Any) -> Data? { try? JSONSerialization.data(withJSONObject: [value], options: .sortedKeys) }
        return selector.allSatisfy { key, value in
            guard let have = element[key] else { return false }
            return text(have) == text(value)
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
