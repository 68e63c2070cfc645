import Foundation
import Testing
import VNetModel
import VNetParsers
@testable import VNetCollect
import VNetTestSupport

/// The live netlink reader against libnftables' JSON, in throwaway namespaces holding the rule sets
/// of the parser fixtures (libvirt's nftables backend, iptables-nft, a firewalld-like inet table).
@Suite(.enabled(if: Shell.isRoot && Shell.has("nft") && Shell.has("iptables-nft-restore"),
                "needs root, nft and iptables-nft for network namespaces and rule sets"))
struct NftReaderTests {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../VNetParsersTests/Fixtures/nft").standardized

    /// A namespace with the bridges the rule sets name (`iif "virbr0"` needs the device) and one
    /// fixture rule set loaded.
    private func namespace(loading file: String) throws -> TemporaryNamespace {
        let ns = try TemporaryNamespace("nft")
        for dev in ["virbr0", "virbr1", "virbr2", "uplink0", "eth0"] {
            try ns.exec(["ip", "link", "add", dev, "type", "bridge"])
        }
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent(file), encoding: .utf8)
        try ns.exec(file.hasSuffix(".nft") ? ["nft", "-f", "-"] : ["iptables-nft-restore"], input: text)
        return ns
    }

    /// The model without what `nft -j` 1.0.6 cannot show: base chain devices, and the bodies of
    /// iptables-nft's xtables extensions (JSON only names them).
    private func comparable(_ tables: [FirewallTable]) -> [FirewallTable] {
        tables.map { t in
            var t = t
            for c in t.chains.indices {
                t.chains[c].base?.devices = []
                for r in t.chains[c].rules.indices {
                    t.chains[c].rules[r].elements = t.chains[c].rules[r].elements.map { e in
                        guard case .unknown(var u) = e, u.kind == "match" || u.kind == "target" else { return e }
                        u.text = ""
                        return .unknown(u)
                    }
                }
            }
            return t
        }
    }

    @Test(arguments: ["libvirt-nftables.nft", "iptables-nft.rules", "inet-firewall.nft"])
    func netlinkDumpEqualsLibnftablesJSON(file: String) throws {
        let ns = try namespace(loading: file)
        let live = try NetworkNamespace.run(named: ns.name) { try NftablesReader.read() }
        let json = try NetworkNamespace.run(named: ns.name) {
            try NftJSONDecoder.decode(try LibNftables().listRulesetJSON(), file: "libnftables")
        }
        #expect(!live.tables.isEmpty)
        #expect(comparable(live.tables) == comparable(json))
        #expect(live.raw.bundlePath == "firewall/nf_tables.netlink")
        let replayed = try NfnetlinkDecoder.decode([UInt8](live.raw.contents), file: live.raw.bundlePath)
        #expect(replayed == live.tables)
    }

    @Test func readingChangesNothing() throws {
        let ns = try namespace(loading: "inet-firewall.nft")
        try ns.exec(["iptables-nft-restore", "--noflush"],
                    input: try String(contentsOf: Self.fixtures.appendingPathComponent("iptables-nft.rules"), encoding: .utf8))
        let before = try ns.exec(["nft", "-a", "list", "ruleset"])
        _ = try NetworkNamespace.run(named: ns.name) { try NftablesReader.read() }
        _ = try NetworkNamespace.run(named: ns.name) { try LibNftables().listRulesetJSON() }
        #expect(try ns.exec(["nft", "-a", "list", "ruleset"]) == before)
    }

    @Test func emptyNamespaceHasNoTables() throws {
        let ns = try TemporaryNamespace("nft")
        let live = try NetworkNamespace.run(named: ns.name) { try NftablesReader.read() }
        #expect(live.tables.isEmpty)
        #expect(try NfnetlinkDecoder.decode([UInt8](live.raw.contents), file: "empty").isEmpty)
    }
}
