import Foundation
import Testing
import VNetJudge
import VNetModel

/// Assembling a report: verdicts are the worst of the checks, exit codes follow the verdict, the JSON
/// round-trips, and missing libvirt state is said, not passed over.
@Suite struct AuditReportTests {
    static func network(_ name: String, _ mode: ForwardMode = .nat) -> LibvirtNetwork {
        LibvirtNetwork(name: name, active: true, persistent: true, autostart: true, forward: Forward(mode: mode),
                       bridge: BridgeConfig(name: "virbr-\(name)"),
                       ips: [NetworkIP(family: .ipv4, address: IPAddress("192.168.122.1")!, prefixLength: 24)])
    }

    static func finding(_ id: String, _ status: CheckStatus, kind: Finding.Kind = .claim) -> Finding {
        Finding(id: id, kind: kind, title: id, status: status, message: "\(id) is \(status)")
    }

    static func host(networks: [LibvirtNetwork]) -> HostState {
        HostState(hostname: "hv", collectedAt: Date(timeIntervalSince1970: 1_800_000_000),
                  coverage: Coverage(links: .live, routes: .live, sysctls: .live, nftables: .live, legacyIPv4: .live,
                                     legacyIPv6: .live, libvirt: .live, listeners: .live),
                  libvirt: LibvirtState(configuredFirewallBackend: .nftables, networks: networks))
    }

    static func report(claims: [String: [Finding]], rules: [ScopedFinding] = [], host: HostState? = nil) -> AuditReport {
        let host = host ?? Self.host(networks: claims.keys.sorted().map { network($0) })
        return AuditReport.assemble(scope: AuditScope(host: host), claims: { claims[$0.name] ?? [] }, rules: rules,
                                    source: "live", version: "0.0.0", generatedAt: Date(timeIntervalSince1970: 1_800_000_100))
    }

    @Test func networkVerdictIsTheWorstCheckAndTheReportTheWorstNetwork() {
        let r = Self.report(claims: ["a": [Self.finding("claim.nat.x", .pass), Self.finding("claim.nat.y", .warn)],
                                     "b": [Self.finding("claim.nat.x", .inconclusive), Self.finding("claim.nat.y", .pass)]])
        #expect(r.networks.map(\.verdict) == [.warn, .inconclusive])
        #expect(r.verdict == .inconclusive)
        #expect(r.exitCode == 3)
        #expect(r.summary.networks == [.pass: 0, .warn: 1, .inconclusive: 1, .fail: 0])
        #expect(r.summary.checks == [.pass: 2, .warn: 1, .inconclusive: 1, .fail: 0])
    }

    @Test func exitCodesFollowTheVerdict() {
        #expect(Self.report(claims: ["a": [Self.finding("c", .pass)]]).exitCode == 0)
        #expect(Self.report(claims: ["a": [Self.finding("c", .warn)]]).exitCode == 0)
        #expect(Self.report(claims: ["a": [Self.finding("c", .inconclusive)]]).exitCode == 3)
        #expect(Self.report(claims: ["a": [Self.finding("c", .fail), Self.finding("d", .inconclusive)]]).exitCode == 1)
    }

    @Test func hostFindingsCountTowardsTheVerdictAndRuleFindingsGoToTheirNetwork() {
        let rules = [ScopedFinding(network: nil, finding: Self.finding("VNA-1", .fail, kind: .rule)),
                     ScopedFinding(network: "a", finding: Self.finding("VNA-2", .warn, kind: .rule))]
        let r = Self.report(claims: ["a": [Self.finding("claim.nat.x", .pass)]], rules: rules)
        #expect(r.hostFindings.map(\.id) == ["VNA-1"])
        #expect(r.networks[0].checks.map(\.id) == ["claim.nat.x", "VNA-2"], "claims first, then rules")
        #expect(r.networks[0].verdict == .warn)
        #expect(r.verdict == .fail && r.exitCode == 1)
    }

    @Test func checksAreOrderedWorstFirstWithinEachKind() {
        let r = Self.report(claims: ["a": [Self.finding("claim.a", .pass), Self.finding("claim.b", .fail),
                                           Self.finding("claim.c", .warn)]])
        #expect(r.networks[0].checks.map(\.id) == ["claim.b", "claim.c", "claim.a"])
    }

    @Test func withoutLibvirtStateTheAuditIsInconclusiveNeverClean() {
        var host = Self.host(networks: [])
        host.coverage.libvirt = .notCollected
        let r = Self.report(claims: [:], host: host)
        #expect(r.networks.isEmpty)
        #expect(r.hostFindings.map(\.id) == ["audit.libvirt-not-read"])
        #expect(r.verdict == .inconclusive && r.exitCode == 3)
    }

    @Test func jsonRoundTripsWithStatusNamedCounts() throws {
        let r = Self.report(claims: ["a": [Self.finding("claim.nat.x", .fail)]])
        let data = try ModelJSON.encoder().encode(r)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: [String: Int]])
        #expect(summary["checks"] == ["pass": 0, "warn": 0, "inconclusive": 0, "fail": 1])
        #expect(try ModelJSON.decoder().decode(AuditReport.self, from: data) == r)
    }
}
