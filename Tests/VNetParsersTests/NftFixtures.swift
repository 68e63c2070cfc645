import Foundation
import VNetModel
@testable import VNetParsers

/// The nft fixtures (Fixtures/nft): rule sets, their `nft -j list ruleset` output and raw netlink
/// dumps captured in network namespaces (see Fixtures/nft/capture.sh).
enum NftFixtures {
    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: Bundle.module.resourceURL!.appendingPathComponent("Fixtures/nft/\(name)"))
    }

    static func json(_ name: String) throws -> [FirewallTable] {
        try NftJSONDecoder.decode(try data("\(name).json"), file: "\(name).json")
    }

    static func netlink(_ name: String) throws -> [FirewallTable] {
        try NfnetlinkDecoder.decode([UInt8](try data("\(name).netlink")), file: "\(name).netlink")
    }

    static func rules(_ tables: [FirewallTable], _ family: TableFamily, _ table: String, _ chain: String) -> [FirewallRule] {
        tables.first { $0.family == family && $0.name == table }?.chain(chain)?.rules ?? []
    }

    /// The model without what `nft -j` 1.0.6 cannot show: base chain devices, and xtables blobs
    /// (JSON names the extension only).
    static func comparable(_ tables: [FirewallTable]) -> [FirewallTable] {
        tables.map { t in
            var t = t
            t.chains = t.chains.map { c in
                var c = c
                c.base?.devices = []
                c.rules = c.rules.map { r in
                    var r = r
                    r.elements = r.elements.map { e in
                        guard case .unknown(var u) = e, u.kind == "match" || u.kind == "target" else { return e }
                        u.text = ""
                        return .unknown(u)
                    }
                    return r
                }
                return c
            }
            return t
        }
    }
}
