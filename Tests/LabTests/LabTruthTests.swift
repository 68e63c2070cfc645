import Foundation
import Testing
import VNetJudge
import VNetModel
import VNetTestSupport

/// `check` against the kernel: for each libvirt firewall backend, the healthy lab and every break the lab
/// can reproduce are judged by `vnetaudit check` (from the rule set alone) and measured with real traffic
/// (`lab.sh selftest`: guests, the LAN and the host exchanging packets). The truth is the traffic: no check
/// explaining a working flow may fail, and every broken flow must be explained by a failing check.
@Suite(.enabled(if: Lab.available, "needs root and libvirtd (scripts/install-deps.sh)"))
struct LabTruthTests {
    /// A selftest flow and the checks that speak about it.
    struct Flow: Sendable, CustomStringConvertible {
        /// A unique substring of the selftest check's name.
        let selftest: String
        let network: String
        let family: AddressFamily
        /// Checks that promise the flow works: none may fail while it does.
        let promises: [String]
        /// Further checks naming causes of its failure (catalogue rules, claims about a wider promise).
        var causes: [String] = []
        /// Checks that warn about this flow on a healthy host already, because host state cannot decide it
        /// (the LAN router's return route of a routed network).
        var standing: [String] = []
        var description: String { "\(selftest) (\(network), \(family.rawValue))" }
        var explainers: [String] { promises + causes + standing }
    }

    static let uplinkCauses = ["VNA-001", "VNA-002", "VNA-005", "VNA-013"]
    static let serviceCauses = ["VNA-006", "VNA-007", "VNA-008"]

    static let flows: [Flow] = [
        Flow(selftest: "nat1 -> nat2 ping (same bridge)", network: "default", family: .ipv4, promises: ["claim.nat.same-bridge"], causes: ["VNA-010"]),
        Flow(selftest: "nat1 -> nat2 ping6 (same bridge)", network: "default", family: .ipv6, promises: ["claim.nat.same-bridge"], causes: ["VNA-010"]),
        Flow(selftest: "nat2 -> nat1 tcp (same bridge)", network: "default", family: .ipv4, promises: ["claim.nat.same-bridge"], causes: ["VNA-010"]),
        Flow(selftest: "nat1 DNS", network: "default", family: .ipv4, promises: ["claim.nat.dns-to-host"], causes: serviceCauses),
        Flow(selftest: "nat1 DHCP offer", network: "default", family: .ipv4, promises: ["claim.nat.dhcp-to-host"], causes: serviceCauses),
        Flow(selftest: "nat1 -> LAN tcp, masqueraded", network: "default", family: .ipv4,
             promises: ["claim.nat.outbound-translated", "claim.nat.replies-return"], causes: uplinkCauses),
        Flow(selftest: "nat1 -> LAN tcp6, routed", network: "default", family: .ipv6,
             promises: ["claim.nat.ipv6-routed", "claim.nat.replies-return"], causes: uplinkCauses),
        // Data getting through says nothing about translation; its failure can still come from forwarding.
        Flow(selftest: "nat1 -> LAN bulk upload", network: "default", family: .ipv4,
             promises: ["VNA-012"], causes: ["claim.nat.outbound-translated"] + uplinkCauses),
        Flow(selftest: "LAN -> nat1 new tcp connection refused", network: "default", family: .ipv4, promises: ["claim.nat.inbound-refused"], causes: ["VNA-005"]),
        Flow(selftest: "nat6 -> LAN tcp, masqueraded", network: "nat6", family: .ipv4,
             promises: ["claim.nat.outbound-translated", "claim.nat.replies-return"], causes: uplinkCauses),
        Flow(selftest: "nat6 -> LAN tcp6, masqueraded", network: "nat6", family: .ipv6,
             promises: ["claim.nat.outbound-translated", "claim.nat.replies-return"], causes: uplinkCauses),
        Flow(selftest: "LAN -> nat6 new tcp6 connection refused", network: "nat6", family: .ipv6, promises: ["claim.nat.inbound-refused"], causes: ["VNA-005"]),
        Flow(selftest: "routed -> LAN tcp with own address", network: "routed", family: .ipv4,
             promises: ["claim.route.outbound-untranslated", "claim.route.replies-return"], causes: uplinkCauses, standing: ["claim.route.lan-route"]),
        Flow(selftest: "routed -> LAN tcp6 with own address", network: "routed", family: .ipv6,
             promises: ["claim.route.outbound-untranslated", "claim.route.replies-return"], causes: uplinkCauses, standing: ["claim.route.lan-route"]),
        Flow(selftest: "LAN -> routed tcp", network: "routed", family: .ipv4,
             promises: ["claim.route.inbound-accepted"], causes: uplinkCauses, standing: ["claim.route.lan-route"]),
        Flow(selftest: "isolated -> LAN tcp blocked", network: "isolated", family: .ipv4, promises: ["claim.isolated.no-outbound"]),
        Flow(selftest: "isolated -> LAN tcp6 blocked", network: "isolated", family: .ipv6, promises: ["claim.isolated.no-outbound"]),
        Flow(selftest: "LAN -> isolated tcp blocked", network: "isolated", family: .ipv4, promises: ["claim.isolated.no-inbound"]),
        Flow(selftest: "open -> LAN tcp with own address", network: "open", family: .ipv4, promises: ["claim.open.outbound"], causes: uplinkCauses),
        Flow(selftest: "open -> LAN tcp6 with own address", network: "open", family: .ipv6, promises: ["claim.open.outbound"], causes: uplinkCauses),
        // The answers of an inbound connection leave by routing like outbound traffic does.
        Flow(selftest: "asymmetric return via br0) -> open tcp", network: "open", family: .ipv4,
             promises: ["claim.open.inbound"], causes: ["VNA-011", "claim.open.outbound"] + uplinkCauses),
        Flow(selftest: "bridged -> LAN tcp with own address", network: "hostbridge", family: .ipv4,
             promises: ["claim.bridge.ports-up"], causes: ["claim.bridge.br-netfilter", "VNA-010", "VNA-013"]),
        Flow(selftest: "bridged -> LAN tcp6 with own address", network: "hostbridge", family: .ipv6,
             promises: ["claim.bridge.ports-up"], causes: ["claim.bridge.br-netfilter", "VNA-010", "VNA-013"]),
        Flow(selftest: "LAN -> bridged tcp", network: "hostbridge", family: .ipv4,
             promises: ["claim.bridge.ports-up"], causes: ["claim.bridge.br-netfilter", "VNA-010", "VNA-013"]),
    ]

    /// Every break of lab/breaks.sh; the lab's own test (lab/test-breaks.sh) proves each breaks what it says.
    static func causes() throws -> [String] {
        let out = try Shell.check(["bash", Lab.script, "break", "--list"])
        return out.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard line.hasPrefix("  "), let first = words.first, words.count > 1, words[1].hasPrefix("(") else { return nil }
            return String(first)
        }
    }

    @Test(arguments: ["nftables", "iptables"])
    func checkAgreesWithRealTrafficOnEveryBreak(backend: String) throws {
        let lab = try Lab(name: backend == "nftables" ? "trnft" : "tript", backend: backend)
        let causes = try Self.causes()
        #expect(causes.count >= 15, "break list: \(causes)")
        let healthy = try judge(lab, state: "healthy", baseline: nil)
        try checkSnapshotGivesTheLiveAnswers(lab, live: healthy)
        for cause in causes {
            try lab.breakState(cause)
            defer { _ = try? Shell.run(["bash", Lab.script, "repair", cause, "--name", lab.name]) }
            try judge(lab, state: cause, baseline: healthy)
        }
    }

    /// Runs traffic and `check` on the lab as it is now, and holds each flow's checks to the traffic: a
    /// working flow has no failing promise; a broken one is explained by a check that warns or fails and
    /// got worse than on the healthy lab (`baseline`), or by a standing warning. Returns the report.
    @discardableResult
    private func judge(_ lab: Lab, state: String, baseline: AuditReport?) throws -> AuditReport {
        let traffic = try selftest(lab)
        let out = try lab.vnetaudit(["check", "--format", "json"])
        #expect([0, 1, 3].contains(out.status), "\(state): check could not run: \(out.stderr)")
        #expect(try JSONSchemaValidator.errors(of: out.stdout, against: "check-report.schema.json") == [], "\(state)")
        let report = try ModelJSON.decoder().decode(AuditReport.self, from: Data(out.stdout.utf8))
        if baseline == nil {
            #expect(traffic.values.allSatisfy { $0 }, "the healthy lab's own selftest failed: \(traffic.filter { !$0.value }.keys)")
            let failing = report.networks.flatMap { n in n.checks.filter { $0.status == .fail }.map { "\(n.name): \($0.id) \($0.message)" } }
            #expect(failing.isEmpty, "\(state): false failures on a healthy lab: \(failing)")
        }
        for flow in Self.flows {
            let matching = traffic.filter { $0.key.contains(flow.selftest) }
            guard matching.count == 1, let works = matching.first?.value else {
                Issue.record("\(state): selftest check for \(flow) not found exactly once in \(traffic.keys.sorted())")
                continue
            }
            let promises = findings(flow.promises, for: flow, in: report)
            #expect(!promises.isEmpty, "\(state): no check of \(flow.promises) found for \(flow)")
            if works {
                let wrong = promises.filter { $0.status == .fail }
                #expect(wrong.isEmpty, "\(state): \(flow) works in real traffic, but check says: \(wrong.map { "\($0.id) fail: \($0.message)" })")
            } else {
                let explainers = findings(flow.explainers, for: flow, in: report)
                let explained = explainers.contains { finding in
                    guard finding.status >= .warn, finding.status != .inconclusive else { return false }
                    if flow.standing.contains(finding.id) { return true }
                    let before = baseline.map { findings([finding.id], for: flow, in: $0).map(\.status) } ?? []
                    return before.allSatisfy { $0 < finding.status }
                }
                #expect(explained, "\(state): \(flow) is broken in real traffic, but check says: \(explainers.map { "\($0.id) \($0.status.rawValue)" })")
            }
        }
        return report
    }

    /// `check --snapshot` of a bundle written on the hypervisor judges exactly as the live check did.
    private func checkSnapshotGivesTheLiveAnswers(_ lab: Lab, live: AuditReport) throws {
        let dir = "/tmp/vnetaudit-truth-\(lab.name)-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try lab.hypervisor([BuiltProducts.vnetaudit, "snapshot", "--output", dir])
        let out = try Shell.run([BuiltProducts.vnetaudit, "check", "--snapshot", dir, "--format", "json"])
        #expect(out.status == live.exitCode, "\(out.stderr)")
        let saved = try ModelJSON.decoder().decode(AuditReport.self, from: Data(out.stdout.utf8))
        #expect(saved.host.source == "snapshot \(dir)")
        #expect(saved.networks == live.networks, "snapshot and live checks differ")
        #expect(saved.hostFindings == live.hostFindings)
    }

    /// The checks `ids` of the flow's network in the report, of its family or of none.
    private func findings(_ ids: [String], for flow: Flow, in report: AuditReport) -> [Finding] {
        guard let network = report.networks.first(where: { $0.name == flow.network }) else { return [] }
        return network.checks.filter { ids.contains($0.id) && ($0.family == nil || $0.family == flow.family) }
    }

    /// The lab's real-traffic selftest: each check's name and whether it behaved as a healthy lab does.
    private func selftest(_ lab: Lab) throws -> [String: Bool] {
        let out = try Shell.run(["bash", Lab.script, "selftest", "--name", lab.name])
        var results: [String: Bool] = [:]
        for line in out.stdout.split(separator: "\n") {
            if line.hasPrefix("  ok    ") {
                results[String(line.dropFirst(8))] = true
            } else if line.hasPrefix("  FAIL  ") {
                let rest = line.dropFirst(8)
                // "  FAIL  NAME: detail": names contain no ": ", details may.
                let name = rest.range(of: ": ").map { String(rest[..<$0.lowerBound]) } ?? String(rest)
                results[name] = false
            }
        }
        return results
    }
}
