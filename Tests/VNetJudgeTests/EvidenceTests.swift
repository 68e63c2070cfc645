import Foundation
import Testing
import VNetJudge
import VNetModel

/// Every verdict carries its evidence, whatever its status: a pass says what was looked at, an
/// inconclusive what could not be read.
@Suite struct EvidenceTests {
    static let labStates: [String] = {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/claims")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".json.gz") }.map { String($0.dropLast(".json.gz".count)) }.sorted()
    }()

    static let ruleFixtures: [String] = ((try? RuleFixture.all()) ?? [:])
        .flatMap { rule, files in files.map { "\(rule)/\($0)" } }.sorted()

    @Test(arguments: labStates)
    func everyClaimAndRuleOfALabStateHasEvidence(_ state: String) throws {
        let host = try ClaimsFixtures.host(state)
        let claims = host.libvirt.networks.flatMap { ClaimJudge.judge($0, on: host) }
        let rules = try Catalogue.standard().run(AuditScope(host: host)).map(\.finding)
        #expect(!claims.isEmpty && !rules.isEmpty)
        let bare = (claims + rules).filter(\.evidence.isEmpty).map { "\($0.id) \($0.status.rawValue)" }
        #expect(bare.isEmpty, "\(state): findings without evidence: \(bare)")
    }

    @Test(arguments: ruleFixtures)
    func everyFindingOfARuleFixtureHasEvidence(_ path: String) throws {
        let parts = path.split(separator: "/").map(String.init)
        let fixture = try RuleFixture(rule: parts[0], file: parts[1])
        let catalogue = try Catalogue.standard()
        let entry = try #require(catalogue.entry(fixture.rule))
        let bare = catalogue.run(entry, AuditScope(host: fixture.host)).map(\.finding).filter(\.evidence.isEmpty)
        #expect(bare.isEmpty, "\(path): \(bare.map { "\($0.status.rawValue) \($0.message)" })")
    }
}
