import Testing
import VNetJudge

@Suite struct CheckStatusTests {
    @Test func worstRanksFailOverInconclusiveOverWarnOverPass() {
        #expect(CheckStatus.worst([.pass, .warn]) == .warn)
        #expect(CheckStatus.worst([.warn, .inconclusive, .pass]) == .inconclusive)
        #expect(CheckStatus.worst([.inconclusive, .fail]) == .fail)
        #expect(CheckStatus.worst([CheckStatus]()) == .pass)
    }
}
