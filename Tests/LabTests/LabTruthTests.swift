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
    /// A selftest flow and the checks that speak about it: the claims that promise it and the catalogue
    /// rules that name causes of its failure.
    struct Flow: Sendable, CustomStringConvertible {
        /// A unique substring of the selftest check's name.
        let selftest: String
        let network: String
        let family: AddressFamily
        let checks: [String]
        /// The statuses that count as "this check says the flow is broken". Claims whose mode promises
        /// nothing (open), or that the issue asks to warn about (br_netfilter on a bridge, the LAN route
        /// of a routed network), break with a warning.
        var broken: Set<CheckStatus> = [.fail]
        var description: String { "\(selftest) (\(network), \(family.rawValue))" }
    }

    static let flows: [Flow] = [
        Flow(selftest: "nat1 -> nat2 ping (same bridge)", network: "default", family: .ipv4, checks: ["claim.nat.same-bridge"]),
        Flow(selftest: "nat1 -> nat2 ping6 (same bridge)", network: "default", family: .ipv6, checks: ["claim.nat.same-bridge"]),
        Flow(selftest: "nat2 -> nat1 tcp (same bridge)", network: "default", family: .ipv4, checks: ["claim.nat.same-bridge"]),
        Flow(selftest: "nat1 DNS", network: "default", family: .ipv4,
             checks: ["claim.nat.dns-to-host", "VNA-006", "VNA-007", "VNA-008"]),
        Flow(selftest: "nat1 DHCP offer", network: "default", family: .ipv4,
             checks: ["claim.nat.dhcp-to-host", "VNA-006", "VNA-007", "VNA-008"]),
        Flow(selftest: "nat1 -> LAN tcp, masqueraded", network: "default", family: .ipv4,
             checks: ["claim.nat.outbound-translated", "claim.nat.replies-return"]),
        Flow(selftest: "nat1 -> LAN tcp6, routed", network: "default", family: .ipv6,
             checks: ["claim.nat.ipv6-routed", "claim.nat.replies-return"]),
        Flow(selftest: "nat1 -> LAN bulk upload", network: "default", family: .ipv4,
             checks: ["claim.nat.outbound-translated", "VNA-012"], broken: [.warn, .fail]),
        Flow(selftest: "LAN -> nat1 new tcp connection refused", network: "default", family: .ipv4, checks: ["claim.nat.inbound-refused"]),
        Flow(selftest: "nat6 -> LAN tcp, masqueraded", network: "nat6", family: .ipv4,
             checks: ["claim.nat.outbound-translated", "claim.nat.replies-return"]),
        Flow(selftest: "nat6 -> LAN tcp6, masqueraded", network: "nat6", family: .ipv6,
             checks: ["claim.nat.outbound-translated", "claim.nat.replies-return"]),
        Flow(selftest: "LAN -> nat6 new tcp6 connection refused", network: "nat6", family: .ipv6, checks: ["claim.nat.inbound-refused"]),
        Flow(selftest: "routed -> LAN tcp with own address", network: "routed", family: .ipv4,
             checks: ["claim.route.outbound-untranslated", "claim.route.replies-return", "claim.route.lan-route"], broken: [.warn, .fail]),
        Flow(selftest: "routed -> LAN tcp6 with own address", network: "routed", family: .ipv6,
             checks: ["claim.route.outbound-untranslated", "claim.route.replies-return", "claim.route.lan-route"], broken: [.warn, .fail]),
        Flow(selftest: "LAN -> routed tcp", network: "routed", family: .ipv4,
             checks: ["claim.route.inbound-accepted", "claim.route.lan-route"], broken: [.warn, .fail]),
        Flow(selftest: "isolated -> LAN tcp blocked", network: "isolated", family: .ipv4, checks: ["claim.isolated.no-outbound"]),
        Flow(selftest: "isolated -> LAN tcp6 blocked", network: "isolated", family: .ipv6, checks: ["claim.isolated.no-outbound"]),
        Flow(selftest: "LAN -> isolated tcp blocked", network: "isolated", family: .ipv4, checks: ["claim.isolated.no-inbound"]),
        Flow(selftest: "open -> LAN tcp with own address", network: "open", family: .ipv4,
             checks: ["claim.open.outbound"], broken: [.warn, .fail]),
        Flow(selftest: "open -> LAN tcp6 with own address", network: "open", family: .ipv6,
             checks: ["claim.open.outbound"], broken: [.warn, .fail]),
        Flow(selftest: "asymmetric return via br0) -> open tcp", network: "open", family: .ipv4,
             checks: ["VNA-011"], broken: [.warn, .fail]),
        Flow(selftest: "bridged -> LAN tcp with own address", network: "hostbridge", family: .ipv4,
             checks: ["claim.bridge.br-netfilter", "claim.bridge.ports-up", "VNA-010"], broken: [.warn, .fail]),
        Flow(selftest: "bridged -> LAN tcp6 with own address", network: "hostbridge", family: .ipv6,
             checks: ["claim.bridge.br-netfilter", "claim.bridge.ports-up", "VNA-010"], broken: [.warn, .fail]),
        Flow(selftest: "LAN -> bridged tcp", network: "hostbridge", family: .ipv4,
             checks: ["claim.bridge.br-netfilter", "claim.bridge.ports-up", "VNA-010"], broken: [.warn, .fail]),
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
        try judge(lab, state: "healthy", expectAllWorking: true)
        for cause in causes {
            try lab.breakState(cause)
            defer { _ = try? Shell.run(["bash", Lab.script, "repair", cause, "--name", lab.name]) }
            try judge(lab, state: cause, expectAllWorking: false)
        }
    }

    /// Runs traffic and `check` on the lab as it is now, and holds each flow's checks to the traffic.
    private func judge(_ lab: Lab, state: String, expectAllWorking: Bool) throws {
        let traffic = try selftest(lab)
        let out = try lab.vnetaudit(["check", "--format", "json"])
        #expect([0, 1, 3].contains(out.status), "\(state): check could not run: \(out.stderr)")
        #expect(try JSONSchemaValidator.errors(of: out.stdout, against: "check-report.schema.json") == [], "\(state)")
        let report = try ModelJSON.decoder().decode(AuditReport.self, from: Data(out.stdout.utf8))
        if expectAllWorking {
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
            let checks = findings(for: flow, in: report)
            #expect(!checks.isEmpty, "\(state): no check of \(flow.checks) found for \(flow)")
            if works {
                let wrong = checks.filter { $0.status == .fail }
                #expect(wrong.isEmpty, "\(state): \(flow) works in real traffic, but check says: \(wrong.map { "\($0.id) fail: \($0.message)" })")
            } else {
                let explained = checks.contains { flow.broken.contains($0.status) }
                #expect(explained, "\(state): \(flow) is broken in real traffic, but check says: \(checks.map { "\($0.id) \($0.status.rawValue)" })")
            }
        }
    }

    /// The flow's checks in the report: its network's claims of its family, and its rules of its family
    /// or of none.
    private func findings(for flow: Flow, in report: AuditReport) -> [Finding] {
        guard let network = report.networks.first(where: { $0.name == flow.network }) else { return [] }
        return network.checks.filter { flow.checks.contains($0.id) && ($0.family == nil || $0.family == flow.family) }
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
