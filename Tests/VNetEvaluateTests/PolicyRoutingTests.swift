import Testing
import VNetModel
import VNetEvaluate

/// VPN-style policy routing: wg-quick's `suppress_prefixlength 0` and rules with selectors the model does
/// not evaluate.
@Suite struct PolicyRoutingTests {
    /// wg-quick: `not fwmark 51820 lookup 51820` (a default route into wg0), `lookup main suppress_prefixlength 0`
    /// ahead of it so that specific routes of main still win.
    private func wgQuickHost() -> HostState {
        HostBuild.host(routes: HostBuild.routes + [HostBuild.route("0.0.0.0/0", table: 51820, dev: "wg0")], rules: [
            PolicyRule(family: .ipv4, priority: 0, action: "lookup", table: Route.localTable),
            PolicyRule(family: .ipv4, priority: 32764, action: "lookup", table: Route.mainTable, suppressPrefixLength: 0),
            PolicyRule(family: .ipv4, priority: 32765, action: "lookup", table: 51820, fwmark: 51820, fwmask: 0xFFFF_FFFF, invert: true),
            PolicyRule(family: .ipv4, priority: 32766, action: "lookup", table: Route.mainTable),
        ])
    }

    @Test func suppressPrefixLengthIgnoresMainsDefaultRouteButNotItsSpecificRoutes() {
        let toInternet = decideRoute(HostBuild.request(from: "192.168.122.11", to: "93.184.216.34"), on: wgQuickHost())
        guard case .forward(let device, _, _) = toInternet.outcome else {
            Issue.record("not forwarded: \(toInternet)")
            return
        }
        #expect(device == "wg0")
        #expect(toInternet.decidingRule?.priority == 32765)
        #expect(toInternet.steps.contains("suppress_prefixlength 0: a /0 route is ignored, next rule"))
        let onLAN = decideRoute(HostBuild.request(from: "192.168.122.11", to: "10.0.0.7"), on: wgQuickHost())
        guard case .forward(let lanDevice, _, _) = onLAN.outcome else {
            Issue.record("not forwarded: \(onLAN)")
            return
        }
        #expect(lanDevice == "eth0")
        #expect(onLAN.decidingRule?.priority == 32764)
    }

    @Test func aRuleWithAnUnmodelledSelectorIsUnknown() {
        let host = HostBuild.host(routes: HostBuild.routes + [HostBuild.route("0.0.0.0/0", table: 100, type: .blackhole)], rules: [
            PolicyRule(family: .ipv4, priority: 100, action: "lookup", table: 100, unmodelledSelectors: ["ipproto"]),
            PolicyRule(family: .ipv4, priority: 32766, action: "lookup", table: Route.mainTable),
        ])
        let decision = decideRoute(HostBuild.request(from: "192.168.122.11", to: "93.184.216.34"), on: host)
        #expect(decision.outcome == .unknown(reason: "rule 100 (lookup table 100): selectors cannot be decided"))
    }

    @Test func onlyTheThreeStartingRulesAreKernelDefaults() {
        #expect(PolicyRule(family: .ipv4, priority: 32766, action: "lookup", table: Route.mainTable).isKernelDefault)
        #expect(!PolicyRule(family: .ipv4, priority: 32764, action: "lookup", table: Route.mainTable, suppressPrefixLength: 0).isKernelDefault)
        #expect(!PolicyRule(family: .ipv4, priority: 5270, action: "lookup", table: 52).isKernelDefault)
    }
}
