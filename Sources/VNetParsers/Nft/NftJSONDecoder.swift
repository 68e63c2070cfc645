import Foundation
import VNetModel

/// `nft -j list ruleset` output -> tables of the neutral model (system `nf_tables`).
public enum NftJSONDecoder {
    /// Errors name the file and the JSON path of the bad element.
    public static func decode(_ data: Data, file: String) throws -> [FirewallTable] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let kind: NftDecodingError.Kind = NftJSONCompleteness.isCutOff(data) ? .truncated : .malformed
            throw NftDecodingError(kind, file: file, location: "(document)", message: "not valid JSON: \(error.localizedDescription)")
        }
        let items = try NftJSONNode(value: root, location: .root, file: file).required("nftables")
        var builder = NftRulesetBuilder()
        for node in try items.array() {
            let (kind, body) = try node.singleMember()
            switch kind {
            case "table": try table(body, into: &builder)
            case "chain": try chain(body, into: &builder)
            case "set", "map": try set(body, into: &builder)
            case "rule": try rule(body, into: &builder)
            default: continue  // metainfo, flowtables, stateful objects: not part of the model
            }
        }
        return builder.result
    }

    private static func family(_ node: NftJSONNode) throws -> TableFamily {
        let f = try node.required("family")
        guard let family = TableFamily(rawValue: try f.string()) else { throw f.error("unknown family") }
        return family
    }

    private static func table(_ body: NftJSONNode, into builder: inout NftRulesetBuilder) throws {
        let t = FirewallTable(system: .nftables, family: try family(body), name: try body.required("name").string(),
                              handle: try body.optional("handle")?.unsigned(),
                              flags: try body.optional("flags")?.strings().sorted() ?? [],
                              comment: try body.optional("comment")?.string())
        guard builder.add(t) else { throw body.error("table \(t.family.rawValue) \(t.name) listed twice") }
    }

    private static func chain(_ body: NftJSONNode, into builder: inout NftRulesetBuilder) throws {
        let fam = try family(body), tableName = try body.required("table").string()
        var chain = FirewallChain(name: try body.required("name").string(), handle: try body.optional("handle")?.unsigned(),
                                  comment: try body.optional("comment")?.string())
        if let hookNode = try body.optional("hook") {
            guard let hook = Hook(rawValue: try hookNode.string()) else { throw hookNode.error("unknown hook") }
            let typeNode = try body.required("type")
            guard let type = ChainType(rawValue: try typeNode.string()) else { throw typeNode.error("unknown chain type") }
            let policyNode = try body.optional("policy")
            let policy = try policyNode.map { p -> BaseChain.Policy in
                guard let v = BaseChain.Policy(rawValue: try p.string()) else { throw p.error("unknown policy") }
                return v
            } ?? .accept
            let devices = try body.optional("dev")?.strings() ?? []
            chain.base = BaseChain(type: type, hook: hook, priority: Int(try body.required("prio").signed()),
                                   policy: policy, devices: devices)
        }
        guard builder.add(chain, family: fam, table: tableName) else {
            throw body.error("chain \(chain.name) of unknown table \(fam.rawValue) \(tableName), or listed twice")
        }
    }

    private static func set(_ body: NftJSONNode, into builder: inout NftRulesetBuilder) throws {
        let fam = try family(body), tableName = try body.required("table").string()
        let keyTypes = try body.required("type").strings()
        let types = keyTypes.map(NftJSONValues.datatype(named:))
        let mapType = try body.optional("map")?.strings().joined(separator: " . ")
        let flagNames = Set(NftStatementText.setFlags.pairs.map(\.0))
        let flags = try (body.optional("flags")?.strings() ?? []).filter(flagNames.contains).sorted()
        var elements: [SetElement] = []
        for item in try body.optional("elem")?.array() ?? [] {
            if mapType != nil, let pair = item.value as? [Any] {
                guard pair.count == 2 else { throw item.error("a map element needs a key and a value") }
                let parts = try item.array()
                let key = try NftJSONValues.value(parts[0], types: types)
                if mapType == "verdict" {
                    elements.append(SetElement(key: key, verdict: try NftJSONValues.verdict(parts[1])))
                } else {
                    let dataTypes = mapType!.components(separatedBy: " . ").map(NftJSONValues.datatype(named:))
                    elements.append(SetElement(key: key, data: try NftJSONValues.value(parts[1], types: dataTypes)))
                }
            } else {
                elements.append(SetElement(key: try NftJSONValues.value(item, types: types)))
            }
        }
        let set = NamedSet(name: try body.required("name").string(), handle: try body.optional("handle")?.unsigned(),
                           keyType: keyTypes, mapType: mapType, flags: flags, elements: NftValueOrder.sorted(elements))
        guard builder.add(set, family: fam, table: tableName) else {
            throw body.error("set \(set.name) of unknown table \(fam.rawValue) \(tableName)")
        }
    }

    private static func rule(_ body: NftJSONNode, into builder: inout NftRulesetBuilder) throws {
        let fam = try family(body), tableName = try body.required("table").string()
        let chainName = try body.required("chain").string()
        let parts = try NftJSONStatements.decode(try body.required("expr").array(), family: fam)
        let handle = try body.optional("handle")?.unsigned()
        let comment = try body.optional("comment")?.string()
        guard builder.addRule(family: fam, table: tableName, chain: chainName, {
            parts.rule(position: $0, handle: handle, comment: comment)
        }) else {
            throw body.error("rule of unknown chain \(fam.rawValue) \(tableName) \(chainName)")
        }
    }
}

/// Tells a cut-off JSON document (ends inside a string or with brackets open) from a broken one
/// (a bracket closed by the wrong kind, or trailing garbage).
enum NftJSONCompleteness {
    static func isCutOff(_ data: Data) -> Bool {
        var open: [UInt8] = []
        var inString = false, escaped = false, sawAny = false
        for byte in data {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true; sawAny = true
            case UInt8(ascii: "{"): open.append(UInt8(ascii: "}")); sawAny = true
            case UInt8(ascii: "["): open.append(UInt8(ascii: "]")); sawAny = true
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard open.popLast() == byte else { return false }
            default: if byte > 32 { sawAny = true }
            }
        }
        return inString || !open.isEmpty || !sawAny
    }
}
