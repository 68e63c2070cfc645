import Foundation
import Testing
import VNetJudge
import VNetModel

/// Every rule against its own good and bad host states (Fixtures/rules), and every rule against the
/// healthy lab of both backends.
@Suite struct RuleFixtureTests {
    static let catalogue = try! Catalogue.standard()

    /// `VNA-001/good.json`, `VNA-001/bad.json`, ... for every fixture on disk.
    static let cases: [String] = ((try? RuleFixture.all()) ?? [:]).flatMap { rule, files in files.map { "\(rule)/\($0)" } }.sorted()

    private func findings(_ fixture: RuleFixture) throws -> [ScopedFinding] {
        let entry = try #require(Self.catalogue.entry(fixture.rule), "no rule \(fixture.rule) in the catalogue")
        return Self.catalogue.run(entry, AuditScope(host: fixture.host))
    }

    private func load(_ path: String) throws -> RuleFixture {
        let parts = path.split(separator: "/").map(String.init)
        return try RuleFixture(rule: parts[0], file: parts[1])
    }

    @Test func everyRuleHasGoodAndBadFixtures() throws {
        let onDisk = try RuleFixture.all()
        for definition in Self.catalogue.definitions {
            let files = onDisk[definition.id] ?? []
            #expect(files.contains("good.json"), "\(definition.id) has no good.json")
            #expect(files.contains("bad.json"), "\(definition.id) has no bad.json")
        }
        #expect(Set(onDisk.keys) == Set(Self.catalogue.definitions.map(\.id)), "fixture directories without a rule")
        #expect(!Self.cases.isEmpty)
    }

    @Test(arguments: cases.filter { $0.hasSuffix("/good.json") })
    func goodFixturePasses(_ path: String) throws {
        let fixture = try load(path)
        #expect(fixture.expect.status == .pass)
        let found = try findings(fixture)
        #expect(!found.isEmpty, "\(path): the rule checked nothing")
        for finding in found {
            #expect(finding.finding.status == .pass, "\(path): \(finding.finding.status) \(finding.finding.message)")
            #expect(finding.finding.remediation == nil)
        }
    }

    @Test(arguments: cases.filter { !$0.hasSuffix("/good.json") })
    func badOrUndecidedFixtureReportsIt(_ path: String) throws {
        let fixture = try load(path)
        let expect = fixture.expect
        let found = try findings(fixture)
        let match = found.first { scoped in
            scoped.finding.status == expect.status && scoped.network == expect.network
                && (expect.family == nil || scoped.finding.family == expect.family)
                && (expect.messageContains ?? []).allSatisfy(scoped.finding.message.contains)
        }
        let finding = try #require(match, "\(path): no \(expect.status) finding for \(expect.network ?? "the host") naming \(expect.messageContains ?? []); got: \(found.map { "\($0.finding.status) [\($0.network ?? "host")] \($0.finding.message)" })")
        #expect(finding.finding.id == fixture.rule)
        #expect(finding.finding.kind == .rule)
        #expect(!finding.finding.evidence.isEmpty || expect.status == .inconclusive, "\(path): no evidence")
        let remediation = try #require(finding.finding.remediation, "\(path): no remediation")
        // An undecided check says what is missing; it has no fix to offer yet.
        guard expect.status != .inconclusive else { return }
        #expect(!remediation.commands.isEmpty, "\(path): no commands")
        for command in remediation.commands {
            #expect(command.firstMatch(of: /\{[a-z_]+\}/) == nil, "\(path): unfilled placeholder in \(command)")
        }
    }

    /// No false alarm on a healthy host: the lab of either backend passes every rule.
    @Test(arguments: ["lab-nftables", "lab-iptables"])
    func healthyLabPassesEveryRule(_ base: String) throws {
        let url = RuleFixture.directory.appendingPathComponent("\(base).json")
        let host = try ModelJSON.decoder().decode(HostState.self, from: Data(contentsOf: url))
        let found = Self.catalogue.run(AuditScope(host: host))
        for finding in found {
            #expect(finding.finding.status == .pass, "\(base): \(finding.finding.id) \(finding.finding.status) [\(finding.network ?? "host")] \(finding.finding.message)")
        }
        // Every rule checked something on a lab that has a network of every mode.
        #expect(Set(found.map(\.finding.id)) == Set(Self.catalogue.definitions.map(\.id)))
    }
}
