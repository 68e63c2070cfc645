import Testing
import VNetModel
import VNetEvaluate

/// What the evaluator cannot decide makes the fate unknown and names the rule, unless the packet's fate
/// was settled before reaching it or the rule cannot change it.
@Suite struct UnknownTests {
    private static let undecidable = Match(MatchField("meta.cpu"), .eq, .integer(1))

    @Test func anUndecidableMatchInFrontOfADropMakesTheFateUnknown() {
        let table = Build.table("t", [Build.base("fwd", .forward, [
            Build.rule(1, .match(Self.undecidable), .action(.drop), text: "meta cpu 1 drop"),
        ])])
        let result = evaluate(Build.guestOutbound(), hooks: [.forward], firewall: Firewall(tables: [table]))
        #expect(result.fate == .unknown)
        #expect(result.unknownBecause == ["meta cpu 1 drop: its matches cannot be decided"])
        #expect(result.steps.first?.hits.map(\.action) == [nil])
    }

    @Test func anEarlierDecisiveRuleSettlesTheFateFirst() {
        let table = Build.table("t", [Build.base("fwd", .forward, [
            Build.rule(1, .match(Match(.iifname, .eq, .string("virbr0"))), .action(.reject(with: nil)), text: "iifname virbr0 reject"),
            Build.rule(2, .match(Self.undecidable), .action(.drop), text: "meta cpu 1 drop"),
        ])])
        #expect(Build.fate(Build.guestOutbound(), table) == .rejected)
    }

    @Test func aDefiniteMismatchOutweighsAnUndecidableMatch() {
        let table = Build.table("t", [Build.base("fwd", .forward, [
            Build.rule(1, .match(Self.undecidable), .match(Match(.iifname, .eq, .string("eth9"))), .action(.drop), text: "mismatch"),
        ])])
        #expect(Build.fate(Build.guestOutbound(), table) == .accepted)
    }

    @Test func unknownElementsCountOnlyWhenTheyMayAffectTheVerdict() {
        let harmless = UnknownElement(kind: "statement", name: "quota", text: "quota", mayAffectVerdict: false)
        let limit = UnknownElement(kind: "match", name: "limit", text: "limit rate 1/second", mayAffectVerdict: true)
        let table = Build.table("t", [Build.base("fwd", .forward, policy: .drop, [
            Build.rule(1, .unknown(harmless), .action(.counter), text: "quota counter"),
            Build.rule(2, .unknown(limit), .action(.accept), text: "limit rate 1/second accept"),
        ])])
        let result = evaluate(Build.guestOutbound(), hooks: [.forward], firewall: Firewall(tables: [table]))
        #expect(result.fate == .unknown)
        #expect(result.unknownBecause == ["limit rate 1/second accept: its matches cannot be decided"])
    }

    @Test func anUndecidableRuleThatCannotChangeTheFateIsTriedBothWays() {
        let undecided = Build.table("a", [Build.base("fwd", .forward, priority: -10, [
            Build.rule(1, .match(Self.undecidable), .action(.accept), text: "meta cpu 1 accept"),
        ])])
        let dropper = Build.table("b", [Build.base("fwd", .forward, [Build.rule(1, .action(.drop), text: "drop")])])
        let result = evaluate(Build.guestOutbound(), hooks: [.forward], firewall: Firewall(tables: [undecided, dropper]))
        #expect(result.fate == .dropped)
        #expect(result.unknownBecause.isEmpty)
        #expect(result.steps.first?.hits.map(\.text) == ["meta cpu 1 accept"])
        #expect(result.steps.first?.hits.map(\.action) == [nil])
    }

    @Test func verdictMapsDecideByTheirKey() {
        let table = Build.table("t", [Build.base("fwd", .forward, policy: .drop, [
            Build.rule(1, .action(.verdictMap(key: [.iifname], entries: [
                VerdictMapEntry(key: .string("virbr0"), verdict: .accept),
            ], namedMap: nil)), text: "iifname vmap { virbr0 : accept }"),
            Build.rule(2, .action(.verdictMap(key: [.oifname], entries: [], namedMap: "byout")), text: "oifname vmap @byout"),
        ])], sets: [NamedSet(name: "byout", keyType: ["ifname"], mapType: "verdict",
                             elements: [SetElement(key: .string("virbr0"), verdict: .reject(with: nil))])])
        #expect(Build.fate(Build.guestOutbound(), table) == .accepted)
        #expect(Build.fate(Build.inboundToGuest(), table) == .rejected)
    }
}
