import Foundation
import Testing
import VNetDiff
import VNetJudge
import VNetModel

/// The diff of healthy and broken lab states: the claims that regress, and the rule or setting changes
/// that explain them, matched by content.
@Suite struct ReportDiffTests {
    private func diff(_ before: String, _ after: String) throws -> ReportDiff {
        ReportDiff(before: try DiffFixtures.report(before), after: try DiffFixtures.report(after),
                   beforeLabel: before, afterLabel: after)
    }

    @Test(arguments: ["iptables", "nftables"])
    func identicalStatesGiveNoChange(backend: String) throws {
        let d = try diff("\(backend)-healthy", "\(backend)-healthy")
        #expect(!d.changed && !d.regressed && d.exitCode == 0)
        #expect(d.stateChanges == [])
        #expect(d.changedChecks.isEmpty)
        #expect(DiffTextRenderer.render(d).contains("no change"))
    }

    @Test(arguments: ["iptables", "nftables"])
    func removedMasqueradeRegressesTheNATNetworkAndIsExplainedByTheRemovedRule(backend: String) throws {
        let d = try diff("\(backend)-healthy", "\(backend)-masquerade-removed")
        #expect(d.regressed && d.exitCode == 1)
        let regressions = d.changedChecks.filter(\.isRegression)
        let translated = try #require(regressions.first { $0.id == "claim.nat.outbound-translated" && $0.family == .ipv4 },
                                      "\(regressions.map(\.id))")
        #expect(translated.before == .pass && translated.after == .fail)
        let explaining = try #require(translated.explainedBy)
        let removed = explaining.filter { $0.area == .firewallRule && $0.kind == .removed }
        #expect(!removed.isEmpty && removed.count == explaining.count, "\(explaining)")
        #expect(removed.allSatisfy { ($0.before ?? "").lowercased().contains("masquerade") }, "\(removed)")
        // Only the masquerade rules went: nothing is reported added or moved.
        let ruleChanges = (d.stateChanges ?? []).filter { $0.area == .firewallRule }
        #expect(ruleChanges.allSatisfy { $0.kind == .removed }, "\(ruleChanges)")
        let text = DiffTextRenderer.render(d)
        #expect(text.contains("REGRESSED") && text.contains("claim.nat.outbound-translated"))
        #expect(text.contains("removed rule in") && text.lowercased().contains("masquerade"))
    }

    @Test(arguments: ["iptables", "nftables"])
    func legacyForwardDropIsExplainedByTheAddedRuleInForward(backend: String) throws {
        let d = try diff("\(backend)-healthy", "\(backend)-forward-drop-legacy")
        #expect(d.regressed)
        let regressed = d.changedChecks.filter { $0.change == .regressed && $0.kind == .claim }
        #expect(!regressed.isEmpty)
        // The host finding that gained an address family is the same check, regressed, not new plus gone.
        #expect(!d.changedChecks.contains { $0.change == .gone }, "\(d.changedChecks.filter { $0.change == .gone })")
        // The empty tables iptables-legacy registers beside the drop policy explain nothing.
        #expect(!d.changedChecks.flatMap { $0.explainedBy ?? [] }.contains { $0.inert == true })
        for check in regressed {
            let explaining = try #require(check.explainedBy)
            #expect(explaining.contains { $0.area == .firewallChain && $0.location?.chain == "FORWARD" && $0.location?.system == "x_tables"
                                          && ($0.after ?? "").contains("policy drop") },
                    "\(check.network ?? "host") \(check.id): \(explaining)")
        }
    }

    @Test(arguments: ["iptables", "nftables"])
    func repairIsAnImprovementAndExitsZero(backend: String) throws {
        let d = try diff("\(backend)-isolation-broken", "\(backend)-healthy")
        #expect(!d.regressed && d.exitCode == 0 && d.changed)
        let improved = d.changedChecks.filter { $0.change == .improved }
        #expect(!improved.isEmpty)
        #expect(improved.contains { !($0.explainedBy ?? []).isEmpty }, "\(improved)")
    }

    @Test func ipForwardOffIsExplainedByTheSysctl() throws {
        let d = try diff("iptables-healthy", "iptables-ip-forward-off")
        #expect(d.regressed)
        let sysctl = try #require(d.stateChanges?.first { $0.area == .sysctl && $0.subject == "net.ipv4.ip_forward" })
        #expect(sysctl.before == "1" && sysctl.after == "0")
        let regressedClaims = d.changedChecks.filter { $0.change == .regressed && $0.kind == .claim && $0.family == .ipv4 }
        #expect(!regressedClaims.isEmpty)
        #expect(regressedClaims.allSatisfy { ($0.explainedBy ?? []).contains(sysctl) }, "\(regressedClaims)")
    }

    @Test func aMovedRuleIsMovedNotRemovedAndAdded() throws {
        let healthy = try DiffFixtures.host("iptables-healthy")
        var edited = healthy
        let (t, c) = try #require(healthy.firewall.tables.indices.lazy.compactMap { t in
            healthy.firewall.tables[t].chains.firstIndex { $0.rules.count >= 3 }.map { (t, $0) }
        }.first)
        var rules = edited.firewall.tables[t].chains[c].rules
        let moved = rules.removeLast()
        rules.insert(moved, at: 0)
        // Positions renumbered as the kernel would; handles and counters changed too, which must not matter.
        for index in rules.indices {
            rules[index].position = index + 1
            rules[index].counters = Counters(packets: UInt64(index) * 7, bytes: 99)
        }
        edited.firewall.tables[t].chains[c].rules = rules
        let d = ReportDiff(before: try DiffFixtures.report(healthy), after: try DiffFixtures.report(edited),
                           beforeLabel: "a", afterLabel: "b")
        let changes = try #require(d.stateChanges)
        #expect(changes.count == 1, "\(changes)")
        #expect(changes.first?.kind == .moved && changes.first?.after == moved.text)
        #expect(changes.first?.positionAfter == 1)
    }

    @Test func insertingARuleOnTopAddsOneRuleAndMovesNothing() throws {
        let healthy = try DiffFixtures.host("iptables-healthy")
        var edited = healthy
        let t = try #require(edited.firewall.tables.firstIndex { $0.name == "filter" && $0.family == .ip })
        let c = try #require(edited.firewall.tables[t].chains.firstIndex { $0.name == "FORWARD" })
        var rules = edited.firewall.tables[t].chains[c].rules
        rules.insert(FirewallRule(position: 1, elements: [.action(.drop)], text: "-A FORWARD -j DROP"), at: 0)
        for index in rules.indices { rules[index].position = index + 1 }
        edited.firewall.tables[t].chains[c].rules = rules
        let d = ReportDiff(before: try DiffFixtures.report(healthy), after: try DiffFixtures.report(edited),
                           beforeLabel: "a", afterLabel: "b")
        let changes = try #require(d.stateChanges)
        #expect(changes.map(\.kind) == [.added] && changes.first?.after == "-A FORWARD -j DROP", "\(changes)")
        #expect(d.regressed)
        let nat = try #require(d.networks.first { $0.mode == .nat && $0.regressed })
        #expect(nat.checks.filter(\.isRegression).allSatisfy { $0.explainedBy == changes || $0.kind == .rule }, "\(nat.checks)")
    }

    @Test func reportsWithoutStateCompareVerdictsOnly() throws {
        var before = try DiffFixtures.report("nftables-healthy")
        before.state = nil
        let d = ReportDiff(before: before, after: try DiffFixtures.report("nftables-masquerade-removed"),
                           beforeLabel: "old.json", afterLabel: "new.json")
        #expect(d.regressed && d.stateChanges == nil)
        #expect(d.stateUnknownBecause?.contains("old.json") == true)
        #expect(d.changedChecks.filter(\.isRegression).allSatisfy { $0.explainedBy == nil })
        #expect(DiffTextRenderer.render(d).contains("state changes are unknown"))
    }

    @Test func reportWithStateSurvivesJSONAndDiffsTheSame() throws {
        let before = try DiffFixtures.report("iptables-healthy"), after = try DiffFixtures.report("iptables-masquerade-removed")
        func roundTrip(_ r: AuditReport) throws -> AuditReport {
            try ModelJSON.decoder().decode(AuditReport.self, from: ModelJSON.encoder().encode(r))
        }
        let direct = ReportDiff(before: before, after: after, beforeLabel: "a", afterLabel: "b")
        let saved = ReportDiff(before: try roundTrip(before), after: try roundTrip(after), beforeLabel: "a", afterLabel: "b")
        #expect(saved.stateChanges == direct.stateChanges)
        #expect(saved.changedChecks == direct.changedChecks)
    }

    @Test func anUplinkTakenDownIsExplainedByItsLink() throws {
        let d = try diff("nftables-healthy", "nftables-forward-dev-down")
        let link = try #require(d.stateChanges?.first { $0.area == .link && $0.subject == "link eth-up" })
        #expect(link.kind == .changed && (link.after ?? "").contains("down"))
        let outbound = try #require(d.changedChecks.first { $0.network == "default" && $0.id == "claim.nat.outbound-translated" && $0.family == .ipv4 })
        #expect(outbound.change == .regressed && (outbound.explainedBy ?? []).contains(link), "\(outbound)")
    }

    @Test func aChangedForwardPolicyIsAChainChangeThatExplainsTheRegression() throws {
        let healthy = try DiffFixtures.host("iptables-healthy")
        var edited = healthy
        let t = try #require(edited.firewall.tables.firstIndex { $0.name == "filter" && $0.family == .ip })
        let c = try #require(edited.firewall.tables[t].chains.firstIndex { $0.name == "FORWARD" })
        edited.firewall.tables[t].chains[c].base?.policy = .drop
        // Policy counters are not a change.
        edited.firewall.tables[t].chains[c].base?.policyCounters = Counters(packets: 12345, bytes: 1)
        let d = ReportDiff(before: try DiffFixtures.report(healthy), after: try DiffFixtures.report(edited),
                           beforeLabel: "a", afterLabel: "b")
        let changes = try #require(d.stateChanges)
        #expect(changes.count == 1 && changes.first?.area == .firewallChain && changes.first?.kind == .changed, "\(changes)")
        #expect(changes.first?.before?.contains("policy accept") == true && changes.first?.after?.contains("policy drop") == true)
        // Whatever the policy now drops regressed, each explained by the policy; nothing is left unexplained.
        let regressions = d.changedChecks.filter(\.isRegression)
        #expect(!regressions.isEmpty)
        #expect(regressions.allSatisfy { $0.explainedBy == changes }, "\(regressions.filter { $0.explainedBy != changes }.map(\.id))")
    }

    @Test func libvirtDefinitionChangesNameTheFieldsThatDiffer() throws {
        let healthy = try DiffFixtures.host("nftables-healthy")
        var edited = healthy
        let n = try #require(edited.libvirt.networks.firstIndex { $0.name == "default" })
        edited.libvirt.networks[n].mtu = 9000
        let d = ReportDiff(before: try DiffFixtures.report(healthy), after: try DiffFixtures.report(edited),
                           beforeLabel: "a", afterLabel: "b")
        let change = try #require(d.stateChanges?.first { $0.area == .libvirtNetwork })
        #expect(change.subject == "libvirt network default" && change.kind == .changed)
        #expect(change.before == "mtu=(none)" && change.after == "mtu=9000", "\(change)")
        #expect(!d.regressed || d.changedChecks.filter(\.isRegression).allSatisfy { ($0.explainedBy ?? []).contains(change) })
    }
}
