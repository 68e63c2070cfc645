import Testing
import VNetTestSupport
import VNetModel
@testable import VNetParsers

/// Mutated and truncated save files must parse or throw, never trap.
@Suite struct IptablesSaveFuzzTests {
    /// Parses and reports whether it succeeded; a trap would end the test process.
    @discardableResult
    private func survives(_ bytes: [UInt8], family: AddressFamily) -> Bool {
        (try? IptablesSaveParser.parse(String(decoding: bytes, as: UTF8.self), family: family, system: .xtables, file: "fuzz")) != nil
    }

    /// A cut file either fails or holds exactly the tables whose COMMIT it still contains: never a
    /// silently partial table.
    @Test(arguments: IptablesFixtures.all.map(\.name))
    func everyTruncationParsesOrThrows(_ name: String) throws {
        let family = IptablesFixtures.all.first { $0.name == name }!.family
        let bytes = Array(try IptablesFixtures.text(name).utf8)
        for length in 0...bytes.count {
            let prefix = String(decoding: bytes[0..<length], as: UTF8.self)
            guard let tables = try? IptablesSaveParser.parse(prefix, family: family, system: .xtables, file: "fuzz") else { continue }
            let commits = prefix.split(separator: "\n").filter { $0 == "COMMIT" }.count
            #expect(tables.count == commits, "cut at \(length)")
        }
        #expect(survives(bytes, family: family))
    }

    @Test func randomByteMutationsParseOrThrow() throws {
        var generator = SplitMix64(state: 0x1ab1e5)
        let interesting: [UInt8] = Array(" \t\n\r\"\\!-:[]*#/,.+0123456789xAZaz".utf8) + [0, 0xff, 0xc3]
        var cases = 0
        for (name, family) in IptablesFixtures.all {
            let original = Array(try IptablesFixtures.text(name).utf8)
            for _ in 0..<600 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let at = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes[at] = interesting.randomElement(using: &generator)!
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: at)
                    }
                }
                survives(bytes, family: family)
                cases += 1
            }
        }
        #expect(cases == 3600)
    }

    @Test func randomTokenListsNeverTrapTheSharedRuleFunction() {
        var generator = SplitMix64(state: 42)
        let vocabulary = ["-A", "X", "!", "-s", "-d", "-i", "-o", "-p", "-m", "-j", "-g", "-c", "-f", "tcp", "udp", "icmp",
                          "multiport", "conntrack", "--dport", "--sport", "--dports", "--ctstate", "NEW", "1:2", "80,443",
                          "10.0.0.0/8", "::1", "virbr+", "ACCEPT", "DNAT", "--to-destination", "[::1]:80", "MARK",
                          "--set-mark", "0x1/0xff", "comment", "--comment", "", "-", "--", "REJECT", "--reject-with",
                          "set", "--match-set", "limit", "--limit", "3/min", "-4", "-6", "icmp6", "--icmpv6-type", "any"]
        for _ in 0..<3000 {
            let tokens = (0..<Int.random(in: 0...14, using: &generator)).map { _ in vocabulary.randomElement(using: &generator)! }
            let family: AddressFamily = Bool.random(using: &generator) ? .ipv4 : .ipv6
            _ = IptablesSaveParser.rule(tokens: tokens, family: family, position: 1, counters: nil)
        }
    }
}
