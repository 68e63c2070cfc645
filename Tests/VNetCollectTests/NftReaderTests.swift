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

    /// Expects the dump's model to equal the JSON one, except what `nft -j` 1.0.6 cannot show:
    /// base chain devices, and iptables-nft's compat extensions (JSON names them only; the dump's
    /// blobs decode, so those rules must come out without unknown elements instead).
    private func expectEqualModels(live: [FirewallTable], json: [FirewallTable]) {
        #expect(live.count == json.count)
        for (lt, jt) in zip(live, json) {
            #expect(lt.name == jt.name && lt.family == jt.family && lt.sets == jt.sets && lt.handle == jt.handle)
            #expect(lt.chains.count == jt.chains.count)
            for (lc, jc) in zip(lt.chains, jt.chains) {
                var base = lc.base
                base?.devices = []
                #expect(lc.name == jc.name && base == jc.base && lc.rules.count == jc.rules.count)
                for (lr, jr) in zip(lc.rules, jc.rules) {
                    let compat = jr.elements.contains {
                        if case .unknown(let u) = $0 { return u.kind == "match" || u.kind == "target" } else { return false }
                    }
                    if compat {
                        #expect(lr.handle == jr.handle && lr.counters == jr.counters)
                        #expect(!lr.hasUnknown || lr.text.hasPrefix("limit"), "\(lc.name): \(lr.text)")
                    } else {
                        #expect(lr == jr, "\(jt.name) \(jc.name)")
                    }
                }
            }
        }
    }

    @Test(arguments: ["libvirt-nftables.nft", "iptables-nft.rules", "inet-firewall.nft", "edge-cases.nft", "matches.nft"])
    func netlinkDumpEqualsLibnftablesJSON(file: String) throws {
        let ns = try namespace(loading: file)
        let live = try NetworkNamespace.run(named: ns.name) { try NftablesReader.read() }
        let json = try NetworkNamespace.run(named: ns.name) {
            try NftJSONDecoder.decode(try LibNftables().listRulesetJSON(), file: "libnftables")
        }
        #expect(!live.tables.isEmpty)
        expectEqualModels(live: live.tables, json: json)
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
