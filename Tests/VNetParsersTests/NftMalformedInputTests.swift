import Foundation
import Testing
import VNetTestSupport
import VNetModel
@testable import VNetParsers

/// Bad input never traps: cut-off and corrupted JSON and netlink dumps give errors that say which
/// file, where, and whether the input was cut off or malformed.
struct NftMalformedInputTests {
    private func jsonError(_ text: String) -> NftDecodingError? {
        do {
            _ = try NftJSONDecoder.decode(Data(text.utf8), file: "bad.json")
            return nil
        } catch let e as NftDecodingError {
            return e
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    @Test func everyPrefixOfAJSONFileIsRejectedAsTruncated() throws {
        let data = try NftFixtures.data("libvirt-nftables.json")
        let compact = try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: data))
        for length in stride(from: 0, to: compact.count - 1, by: 7) {
            do {
                _ = try NftJSONDecoder.decode(compact.prefix(length), file: "cut.json")
                Issue.record("prefix of \(length) bytes decoded")
            } catch let e as NftDecodingError {
                #expect(e.kind == .truncated, "\(length): \(e)")
                #expect(e.file == "cut.json")
            }
        }
    }

    @Test func wrongTypesNameTheElementPath() {
        let e1 = jsonError(#"{"nftables": [{"metainfo": {}}, {"table": {"family": "ip", "name": 7}}]}"#)
        #expect(e1?.location == "nftables[1].table.name")
        #expect(e1?.kind == .malformed)
        #expect(e1?.description.hasPrefix("bad.json: nftables[1].table.name: malformed: expected a string") == true)

        let rule = #"{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"chain": {"family": "ip", "table": "t", "name": "c"}},"#
        let e2 = jsonError(rule + #"{"rule": {"family": "ip", "table": "t", "chain": "c", "expr": [{"accept": null}, {"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": "x"}}, {"counter": {"packets": -1}}]}}]}"#)
        #expect(e2?.location == "nftables[2].rule.expr[2].counter.packets")
        let e3 = jsonError(rule + #"{"rule": {"family": "ip", "table": "t", "chain": "nope", "expr": []}}]}"#)
        #expect(e3?.location == "nftables[2].rule")
        #expect(jsonError(#"{"nftables": [{"table": {"family": "decnet", "name": "t"}}]}"#)?.location == "nftables[0].table.family")
        #expect(jsonError(#"{"tables": []}"#)?.location == "")
        #expect(jsonError(#"[1, 2"#)?.kind == .truncated)
        #expect(jsonError(#"{"nftables": [}"#)?.kind == .malformed)
        #expect(jsonError(#"{"nftables": [{"rule": {"family": "ip", "table": "t", "chain": "c", "expr": [{"match": {"op": "=~", "left": 1, "right": 2}}]}}]}"#)?
            .location == "nftables[0].rule.expr[0].match.op")
    }

    @Test func unknownStatementsAreKeptNotDropped() throws {
        let doc = #"""
        {"nftables": [{"table": {"family": "inet", "name": "t"}}, {"chain": {"family": "inet", "table": "t", "name": "c"}},
        {"rule": {"family": "inet", "table": "t", "chain": "c", "expr": [
          {"match": {"op": "==", "left": {"rt": {"key": "mtu"}}, "right": 1500}},
          {"fwd": {"dev": "eth0"}}]}}]}
        """#
        let rule = try NftJSONDecoder.decode(Data(doc.utf8), file: "x.json")[0].chains[0].rules[0]
        #expect(rule.elements.count == 2)
        guard case .unknown(let rt) = rule.elements[0], case .unknown(let fwd) = rule.elements[1] else {
            Issue.record("not unknown"); return
        }
        #expect(rt.name == "rt" && rt.mayAffectVerdict && rt.text.contains("\"rt\""))
        #expect(fwd.name == "fwd" && fwd.text == #"{"fwd":{"dev":"eth0"}}"#)
    }

    @Test func everyTruncationOfANetlinkDumpIsReportedAsTruncated() throws {
        let dump = [UInt8](try NftFixtures.data("libvirt-nftables.netlink"))
        var kinds: [NftDecodingError.Kind: Int] = [:]
        for length in 0..<dump.count {
            do {
                _ = try NfnetlinkDecoder.decode(Array(dump[0..<length]), file: "cut.netlink")
                Issue.record("prefix of \(length) bytes decoded")
            } catch let e as NftDecodingError {
                kinds[e.kind, default: 0] += 1
                if e.kind != .truncated { Issue.record("\(length): \(e)") }
            }
        }
        #expect(kinds[.truncated] == dump.count)
        #expect(try NfnetlinkDecoder.decode(dump, file: "whole.netlink").count == 2)
    }

    @Test func randomByteFlipsNeverTrap() throws {
        var rng = SplitMix64(state: 0x5eed_f00d)
        for name in ["libvirt-nftables", "inet-firewall", "matches", "iptables-nft-matches"] {
            let dump = [UInt8](try NftFixtures.data("\(name).netlink"))
            var decoded = 0, failed = 0
            for _ in 0..<1500 {
                var bytes = dump
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    bytes[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                }
                do {
                    _ = try NfnetlinkDecoder.decode(bytes, file: "flipped.netlink")
                    decoded += 1
                } catch let e as NftDecodingError {
                    #expect(e.file == "flipped.netlink" && !e.message.isEmpty)
                    failed += 1
                }
            }
            #expect(decoded + failed == 1500)
            #expect(failed > 0)
        }
    }

    @Test func dumpsOfAChangingRulesetAreRejected() throws {
        var dump = [UInt8](try NftFixtures.data("libvirt-nftables.netlink"))
        // The closing NEWGEN message is last: its NFTA_GEN_ID value is its last 4 attribute bytes.
        let lastStart = lastMessageStart(dump)
        let idOffset = lastStart + 16 + 4 + 4
        dump[idOffset + 3] &+= 1
        #expect(throws: NftDecodingError.self) { try NfnetlinkDecoder.decode(dump, file: "changed.netlink") }
        do {
            _ = try NfnetlinkDecoder.decode(dump, file: "changed.netlink")
        } catch let e as NftDecodingError {
            #expect(e.kind == .dumpFailed)
        }
    }

    private func lastMessageStart(_ bytes: [UInt8]) -> Int {
        var at = 0, last = 0
        while at + 16 <= bytes.count {
            let len = Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
            last = at
            at += (len + 3) & ~3
        }
        return last
    }
}
