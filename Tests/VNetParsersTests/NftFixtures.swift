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

    /// The model without what `nft -j` 1.0.6 cannot show: base chain devices.
    static func withoutDevices(_ tables: [FirewallTable]) -> [FirewallTable] {
        tables.map { t in
            var t = t
            for c in t.chains.indices { t.chains[c].base?.devices = [] }
            return t
        }
    }
}
