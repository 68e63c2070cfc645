import Testing
import VNetModel
import VNetEvaluate

/// jump comes back on return, goto returns to the caller of the chain that did the goto, and a return
/// from the base chain hands the packet to the policy.
@Suite struct JumpGotoTests {
    private static let returning = FirewallChain(name: "returning", rules: [Build.rule(1, .action(.return), text: "return")])
    private static let nested = FirewallChain(name: "nested", rules: [Build.rule(1, .action(.goto("returning")), text: "goto returning"),
                                                                      Build.rule(2, .action(.accept), text: "accept in nested")])

    private func fate(_ rules: [FirewallRule], policy: BaseChain.Policy = .drop) -> PathResult {
        let table = Build.table("t", [Build.base("fwd", .forward, policy: policy, rules), Self.returning, Self.nested])
        return evaluate(Build.guestOutbound(), hooks: [.forward], firewall: Firewall(tables: [table]))
    }

    @Test func returnAfterJumpComesBackToTheNextRule() {
        let result = fate([Build.rule(1, .action(.jump("returning")), text: "jump returning"),
                           Build.rule(2, .action(.accept), text: "accept")])
        #expect(result.fate == .accepted)
        #expect(result.steps.first?.hits.map(\.text) == ["jump returning", "return", "accept"])
    }

    @Test func returnAfterGotoSkipsTheRestOfTheChainThatDidTheGoto() {
        let result = fate([Build.rule(1, .action(.jump("nested")), text: "jump nested"),
                           Build.rule(2, .action(.accept), text: "accept")])
        #expect(result.fate == .accepted)
        #expect(result.steps.first?.hits.map(\.text) == ["jump nested", "goto returning", "return", "accept"])
    }

    @Test func gotoFromTheBaseChainThenReturnMeansPolicy() {
        let result = fate([Build.rule(1, .action(.goto("returning")), text: "goto returning"),
                           Build.rule(2, .action(.accept), text: "accept")])
        #expect(result.fate == .dropped)
        #expect(result.steps.first?.outcome == .policy(.drop))
    }

    @Test func returnInTheBaseChainMeansPolicy() {
        let result = fate([Build.rule(1, .action(.return), text: "return"), Build.rule(2, .action(.accept), text: "accept")])
        #expect(result.fate == .dropped)
    }

    @Test func continueGoesOnAndCountersDoNotDecide() {
        let result = fate([Build.rule(1, .action(.counter), .action(.continue), .action(.drop), text: "counter continue drop"),
                           Build.rule(2, .action(.log(prefix: "x")), text: "log")], policy: .accept)
        #expect(result.fate == .accepted)
        #expect(result.steps.first?.outcome == .policy(.accept))
    }

    @Test func aJumpToAMissingChainIsUnknown() {
        let result = fate([Build.rule(1, .action(.jump("absent")), text: "jump absent")])
        #expect(result.fate == .unknown)
        #expect(result.unknownBecause.first?.hasPrefix("jump absent") == true)
    }
}
