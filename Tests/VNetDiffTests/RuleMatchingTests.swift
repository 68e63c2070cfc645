@testable import VNetDiff
import Testing
import VNetModel

/// Rules matched by content, as multisets, with moves found by the longest common subsequence.
@Suite struct RuleMatchingTests {
    private let location = FirewallLocation(system: "x_tables", family: "ip", table: "filter", chain: "FORWARD")

    private func rules(_ names: [String]) -> [FirewallRule] {
        names.enumerated().map { index, name in
            FirewallRule(position: index + 1, handle: UInt64(100 + index), elements: [.match(Match(.iifname, .eq, .string(name))), .action(.accept)],
                         counters: Counters(packets: UInt64(index), bytes: 0), text: "-A FORWARD -i \(name) -j ACCEPT")
        }
    }

    @Test func duplicatesAreCountedAndOneMoveIsOneMove() {
        let changes = FirewallDiff.ruleChanges(rules(["a", "b", "a", "c"]), rules(["a", "a", "b", "c"]), location)
        #expect(changes.count == 1 && changes.first?.kind == .moved, "\(changes)")
    }

    @Test func aDuplicateRemovedIsOneRemoval() {
        let changes = FirewallDiff.ruleChanges(rules(["a", "b", "a"]), rules(["a", "b"]), location)
        #expect(changes.map(\.kind) == [.removed] && changes.first?.positionBefore == 3, "\(changes)")
    }

    @Test func handlesCountersAndPositionsDoNotMatter() {
        var after = rules(["x", "y", "z"])
        for index in after.indices {
            after[index].handle = UInt64(900 + index)
            after[index].counters = Counters(packets: 1_000_000, bytes: 5)
        }
        #expect(FirewallDiff.ruleChanges(rules(["x", "y", "z"]), after, location).isEmpty)
    }

    @Test func aLongChainWithOneEditInTheMiddle() {
        let names = (0..<3000).map { "if\($0)" }
        var edited = names
        edited.remove(at: 1500)
        edited.insert("new", at: 10)
        let changes = FirewallDiff.ruleChanges(rules(names), rules(edited), location)
        #expect(changes.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.added, .removed], "\(changes.count)")
    }

    @Test func aHugeReorderStaysBoundedAndKeepsRulesMatched() {
        let names = (0..<4000).map { "if\($0)" }
        var edited = names
        edited.swapAt(0, 3999)
        let changes = FirewallDiff.ruleChanges(rules(names), rules(edited), location)
        #expect(changes.count == 2 && changes.allSatisfy { $0.kind == .moved }, "\(changes.count)")
    }
}
