import Foundation
import Testing
import VNetJudge
import VNetModel

/// The catalogue's files: parsing, validation, pairing with implementations, and the generated copies
/// (embedded sources, docs/rules.md) staying current.
@Suite struct CatalogueTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    private func ruleFiles() throws -> [(name: String, text: String)] {
        let directory = Self.repository.appendingPathComponent("rules")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("VNA-") && $0.hasSuffix(".yaml") }.sorted()
            .map { ($0, try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) }
    }

    @Test func embeddedSourcesMatchTheRuleFiles() throws {
        let files = try ruleFiles()
        #expect(!files.isEmpty)
        #expect(CatalogueSources.files.map(\.name) == files.map(\.name),
                "CatalogueSources.generated.swift is out of date: run scripts/gen-catalogue.sh")
        for (embedded, file) in zip(CatalogueSources.files, files) where embedded.name == file.name {
            #expect(embedded.text == file.text, "\(file.name) changed: run scripts/gen-catalogue.sh")
        }
    }

    @Test func docsListIsGeneratedFromTheCatalogue() throws {
        let docs = try String(contentsOf: Self.repository.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        let catalogue = try Catalogue.standard()
        #expect(docs == CatalogueListing.markdown(catalogue.definitions), "docs/rules.md is out of date: run scripts/gen-catalogue.sh")
    }

    @Test func everyDefinitionHasExactlyOneImplementationAndViceVersa() throws {
        let catalogue = try Catalogue.standard()
        let definitionIDs = catalogue.definitions.map(\.id)
        let implementationIDs = catalogue.entries.map(\.rule.id)
        #expect(definitionIDs == implementationIDs)
        #expect(Set(definitionIDs).count == definitionIDs.count)
        #expect(definitionIDs.count == CatalogueSources.files.count)
        let rules = catalogue.entries.map(\.rule)
        #expect(throws: CatalogueError.self) { try Catalogue(sources: CatalogueSources.files, rules: rules + [rules[0]]) }
        #expect(throws: CatalogueError.self) { try Catalogue(sources: CatalogueSources.files, rules: Array(rules.dropFirst())) }
        #expect(throws: CatalogueError.self) { try Catalogue(sources: Array(CatalogueSources.files.dropFirst()), rules: rules) }
    }

    /// The cause numbers docs/causes.md lists (`N. text` at the start of a line).
    private static func documentedCauses() throws -> Set<Int> {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/causes.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        return Set(text.split(separator: "\n").compactMap { line in
            line.firstIndex(of: ".").flatMap { Int(line[..<$0]) }
        })
    }

    @Test func everyRuleCitesDocumentedCausesAndHasCommands() throws {
        let causes = try Self.documentedCauses()
        #expect(causes == Set(1...33))
        for definition in try Catalogue.standard().definitions {
            #expect(!definition.detects.isEmpty, "\(definition.id) cites no cause")
            #expect(definition.detects.allSatisfy(causes.contains), "\(definition.id): causes are those of docs/causes.md")
            #expect(definition.references.contains { $0.hasPrefix("docs/causes.md: cause") }, "\(definition.id) does not cite docs/causes.md")
            #expect(!definition.remediation.commands.isEmpty, "\(definition.id) has no commands")
        }
    }

    @Test func theIssuesCausesAreCovered() throws {
        // Issue 3 item 4's list, by field-notes cause: 8, 1/6, 12, 19, 5, 7, 10, 9, 3, 13, 15, 20, 17.
        let covered = Set(try Catalogue.standard().definitions.flatMap(\.detects))
        #expect(covered.isSuperset(of: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 17, 19, 20]))
    }

    // MARK: parsing failures name the file and the problem

    private let valid = """
        id: VNA-900
        slug: test-rule
        title: A test rule
        severity: low
        modes: [nat, route]
        detects: [8]
        rationale: Why.
        remediation:
          summary: Do this.
          commands:
            - sysctl -w {sysctl}=1
        references:
          - "field notes: cause 8"

        """

    private func parseError(_ text: String, file: String = "VNA-900-test-rule.yaml") -> String? {
        do {
            _ = try RuleDefinition.parse(text, file: file)
            return nil
        } catch let error as CatalogueError {
            #expect(error.file == file)
            return error.description
        } catch {
            Issue.record("not a CatalogueError: \(error)")
            return nil
        }
    }

    @Test func validDefinitionParses() throws {
        let definition = try RuleDefinition.parse(valid, file: "VNA-900-test-rule.yaml")
        #expect(definition.id == "VNA-900")
        #expect(definition.severity == .low)
        #expect(definition.modes == [.network(.nat), .network(.route)])
        #expect(definition.applies(to: .nat) && !definition.applies(to: .isolated))
        #expect(definition.remediation.placeholders == ["sysctl"])
    }

    @Test func brokenYAMLNamesTheFile() {
        let message = parseError("id: VNA-900\nmodes: [nat\n  title: {")
        #expect(message?.hasPrefix("VNA-900-test-rule.yaml: ") == true)
    }

    @Test func missingKeyIsNamed() {
        let message = parseError(valid.replacingOccurrences(of: "severity: low\n", with: ""))
        #expect(message?.contains("missing key 'severity'") == true, "\(message ?? "parsed")")
    }

    @Test func unknownSeverityAndModeAreRejected() {
        #expect(parseError(valid.replacingOccurrences(of: "severity: low", with: "severity: dire"))?.contains("severity") == true)
        let mode = parseError(valid.replacingOccurrences(of: "modes: [nat, route]", with: "modes: [nat, routed]"))
        #expect(mode?.contains("unknown mode 'routed'") == true, "\(mode ?? "parsed")")
    }

    @Test func idSlugAndFileNameMustAgree() {
        #expect(parseError(valid, file: "VNA-901-test-rule.yaml")?.contains("file name must be VNA-900-test-rule.yaml") == true)
        #expect(parseError(valid.replacingOccurrences(of: "id: VNA-900", with: "id: RULE-1"))?.contains("not of the form VNA-NNN") == true)
        #expect(parseError(valid.replacingOccurrences(of: "slug: test-rule", with: "slug: Test_Rule"))?.contains("kebab-case") == true)
        #expect(parseError(valid.replacingOccurrences(of: "modes: [nat, route]", with: "modes: [host, nat]"))?.contains("single mode 'host'") == true)
        #expect(parseError(valid.replacingOccurrences(of: "modes: [nat, route]", with: "modes: []"))?.contains("at least one") == true)
    }

    @Test func commandTemplatesFillOrDrop() throws {
        let template = RemediationTemplate(summary: "s", commands: ["ip link set dev {device} up", "virsh net-edit {network}", "nft list ruleset"])
        #expect(template.commands(filling: ["device": "eth0"]) == ["ip link set dev eth0 up", "nft list ruleset"])
        #expect(template.placeholders == ["device", "network"])
        // Braces that are not a placeholder (an nft set) stay as they are.
        let set = RemediationTemplate(summary: "s", commands: ["nft add rule x y udp dport { 53, 67 } accept"])
        #expect(set.commands(filling: [:]) == set.commands)
    }
}
