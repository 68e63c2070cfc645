import Testing
import VNetModel
import VNetEvaluate

/// Policy rules by priority, then longest-prefix match in the chosen table.
@Suite struct RoutingDecisionTests {
    private func outcome(_ request: RoutingRequest, _ host: HostState = HostBuild.host()) -> RoutingDecision.Outcome {
        decideRoute(request, on: host).outcome
    }

    @Test func longestPrefixWinsOverTheDefaultRoute() {
        guard case .forward(let device, let nextHop, let route) = outcome(HostBuild.request(from: "192.168.122.11", to: "10.0.0.7")) else {
            Issue.record("expected a forward")
            return
        }
        #expect(device == "eth0")
        #expect(nextHop == Build.address("10.0.0.7"))
        #expect(route.destination == IPPrefix("10.0.0.0/24"))
    }

    @Test func defaultRouteGoesViaItsGateway() {
        guard case .forward(let device, let nextHop, _) = outcome(HostBuild.request(from: "192.168.122.11", to: "93.184.216.34")) else {
            Issue.record("expected a forward")
            return
        }
        #expect(device == "eth0")
        #expect(nextHop == Build.address("10.0.0.1"))
    }

    @Test func lowerMetricBreaksTies() {
        let routes = HostBuild.routes + [HostBuild.route("10.0.0.0/24", via: "192.168.122.2", dev: "virbr0", metric: 50)]
        guard case .forward(let device, _, _) = outcome(HostBuild.request(from: "192.168.122.11", to: "10.0.0.7"),
                                                        HostBuild.host(routes: routes)) else {
            Issue.record("expected a forward")
            return
        }
        #expect(device == "virbr0")
    }

    @Test func localTableWinsForHostAddresses() {
        let decision = decideRoute(HostBuild.request(from: "192.168.122.11", to: "10.0.0.5"), on: HostBuild.host())
        #expect(decision.outcome == .local(device: "eth0"))
        #expect(decision.steps.contains("table 255: local 10.0.0.5/32 dev eth0"))
    }

    @Test func broadcastIsDeliveredLocally() {
        #expect(outcome(HostBuild.request(from: "192.168.122.11", to: "192.168.122.255")) == .local(device: "virbr0"))
    }

    private static let vpnTable = [HostBuild.route("0.0.0.0/0", table: 100, via: "172.16.0.1", dev: "wg0")]

    private static func rulesWith(_ rule: PolicyRule) -> [PolicyRule] {
        [PolicyRule(family: .ipv4, priority: 0, action: "lookup", table: Route.localTable), rule,
         PolicyRule(family: .ipv4, priority: 32766, action: "lookup", table: Route.mainTable)]
    }

    @Test func policyRuleBySourceChoosesTable100() {
        let rule = PolicyRule(family: .ipv4, priority: 100, action: "lookup", table: 100, from: IPPrefix("192.168.122.0/24"))
        let host = HostBuild.host(routes: HostBuild.routes + Self.vpnTable, rules: Self.rulesWith(rule))
        guard case .forward(let device, _, _) = outcome(HostBuild.request(from: "192.168.122.11", to: "93.184.216.34"), host) else {
            Issue.record("expected a forward")
            return
        }
        #expect(device == "wg0")
        guard case .forward(let otherDevice, _, _) = outcome(HostBuild.request(from: "10.0.0.9", to: "93.184.216.34", in: "eth0"), host) else {
            Issue.record("expected a forward")
            return
        }
        #expect(otherDevice == "eth0")
    }

    @Test func policyRuleByFwmarkChoosesTable100() {
        let rule = PolicyRule(family: .ipv4, priority: 100, action: "lookup", table: 100, fwmark: 0x1, fwmask: 0xff)
        let host = HostBuild.host(routes: HostBuild.routes + Self.vpnTable, rules: Self.rulesWith(rule))
        guard case .forward(let device, _, _) = outcome(HostBuild.request(from: "192.168.122.11", to: "93.184.216.34", mark: 0x101), host) else {
            Issue.record("expected a forward")
            return
        }
        #expect(device == "wg0")
        guard case .unknown = outcome(HostBuild.request(from: "192.168.122.11", to: "93.184.216.34", mark: nil), host) else {
            Issue.record("an unknown mark leaves the fwmark rule undecided")
            return
        }
    }

    @Test func invertedRuleMatchesEverythingElse() {
        let rule = PolicyRule(family: .ipv4, priority: 100, action: "lookup", table: 100, from: IPPrefix("10.0.0.0/24"), invert: true)
        let host = HostBuild.host(routes: HostBuild.routes + Self.vpnTable, rules: Self.rulesWith(rule))
        guard case .forward(let device, _, _) = outcome(HostBuild.request(from: "192.168.122.11", to: "93.184.216.34"), host) else {
            Issue.record("expected a forward")
            return
        }
        #expect(device == "wg0")
    }

    @Test func throwRouteFallsThroughToTheNextRule() {
        let rule = PolicyRule(family: .ipv4, priority: 100, action: "lookup", table: 100)
        let routes = HostBuild.routes + Self.vpnTable + [HostBuild.route("10.0.0.0/8", table: 100, type: .throw)]
        let host = HostBuild.host(routes: routes, rules: Self.rulesWith(rule))
        guard case .forward(let device, _, _) = outcome(HostBuild.request(from: "192.168.122.11", to: "10.0.0.7"), host) else {
            Issue.record("expected a forward")
            return
        }
        #expect(device == "eth0")
    }

    @Test func blackholeAndUnreachableRoutesDrop() {
        let routes = HostBuild.routes + [HostBuild.route("198.51.100.0/24", type: .blackhole),
                                         HostBuild.route("203.0.113.0/24", type: .unreachable)]
        let host = HostBuild.host(routes: routes)
        guard case .dropped(let reason, _) = outcome(HostBuild.request(from: "192.168.122.11", to: "198.51.100.1"), host) else {
            Issue.record("expected a drop")
            return
        }
        #expect(reason == "blackhole route 198.51.100.0/24 in table 254")
        guard case .dropped(let other, _) = outcome(HostBuild.request(from: "192.168.122.11", to: "203.0.113.1"), host) else {
            Issue.record("expected a drop")
            return
        }
        #expect(other == "unreachable route 203.0.113.0/24 in table 254")
    }

    @Test func prohibitRuleDropsAndUnknownActionIsReported() {
        let prohibit = PolicyRule(family: .ipv4, priority: 100, action: "prohibit", from: IPPrefix("192.168.122.0/24"))
        guard case .dropped(_, nil) = outcome(HostBuild.request(from: "192.168.122.11", to: "10.0.0.7"),
                                              HostBuild.host(rules: Self.rulesWith(prohibit))) else {
            Issue.record("expected a drop by the rule")
            return
        }
        let goto = PolicyRule(family: .ipv4, priority: 100, action: "goto")
        #expect(outcome(HostBuild.request(from: "192.168.122.11", to: "10.0.0.7"), HostBuild.host(rules: Self.rulesWith(goto)))
                == .unknown(reason: "rule 100 (goto): action not modelled"))
    }

    @Test func noMatchingRouteIsNoRoute() {
        #expect(outcome(HostBuild.request(from: "192.168.122.11", to: "93.184.216.34"),
                        HostBuild.host(routes: [HostBuild.route("10.0.0.0/24", dev: "eth0")])) == .noRoute)
    }

    @Test func ipv6UsesItsOwnRoutesAndLocalTable() {
        guard case .forward(let device, let nextHop, _) = outcome(HostBuild.request(from: "2001:db8:2::11", to: "2001:db8:1::9")) else {
            Issue.record("expected a forward")
            return
        }
        #expect(device == "eth0")
        #expect(nextHop == Build.address("2001:db8:1::9"))
        guard case .forward(_, let gateway, _) = outcome(HostBuild.request(from: "2001:db8:2::11", to: "2001:db8:9::1")) else {
            Issue.record("expected a forward")
            return
        }
        #expect(gateway == Build.address("fe80::1"))
        #expect(outcome(HostBuild.request(from: "2001:db8:2::11", to: "2001:db8:1::5")) == .local(device: "eth0"))
    }

    @Test func locallyGeneratedPacketsMatchIifLoAndLeaveOifUndecided() {
        let iifLo = PolicyRule(family: .ipv4, priority: 100, action: "lookup", table: 100, inputInterface: "lo")
        let host = HostBuild.host(routes: HostBuild.routes + Self.vpnTable, rules: Self.rulesWith(iifLo))
        guard case .forward(let device, _, _) = outcome(HostBuild.request(from: "10.0.0.5", to: "93.184.216.34", in: nil), host) else {
            Issue.record("expected a forward")
            return
        }
        #expect(device == "wg0")
        let oif = PolicyRule(family: .ipv4, priority: 100, action: "lookup", table: 100, outputInterface: "wg0")
        let oifHost = HostBuild.host(routes: HostBuild.routes + Self.vpnTable, rules: Self.rulesWith(oif))
        #expect(outcome(HostBuild.request(from: "10.0.0.5", to: "93.184.216.34", in: nil), oifHost)
                == .unknown(reason: "rule 100 (lookup table 100): selectors cannot be decided"))
        guard case .forward(let forwarded, _, _) = outcome(HostBuild.request(from: "192.168.122.11", to: "93.184.216.34"), oifHost) else {
            Issue.record("a forwarded packet has no output interface at rule time")
            return
        }
        #expect(forwarded == "eth0")
    }

    @Test func multipathOverOneDeviceLeavesByThatDeviceAndNamesEveryHop() {
        var multipath = HostBuild.route("198.51.100.0/24")
        multipath.nextHops = [Route.NextHop(gateway: Build.address("10.0.0.2"), device: "eth0"),
                              Route.NextHop(gateway: Build.address("10.0.0.3"), device: "eth0")]
        let decision = decideRoute(HostBuild.request(from: "192.168.122.11", to: "198.51.100.1"),
                                   on: HostBuild.host(routes: HostBuild.routes + [multipath]))
        guard case .forward(let device, _, let route) = decision.outcome else {
            Issue.record("expected forward, got \(decision.outcome)")
            return
        }
        #expect(device == "eth0" && route.nextHops.count == 2)
        #expect(decision.steps.contains("table 254: unicast 198.51.100.0/24 via 10.0.0.2 dev eth0 via 10.0.0.3 dev eth0"))
        #expect(decision.steps.last == "multipath: one of 2 next hops, all out of eth0")
    }

    @Test func multipathOverSeveralDevicesIsUnknownNamingTheHops() {
        var multipath = HostBuild.route("198.51.100.0/24")
        multipath.nextHops = [Route.NextHop(gateway: Build.address("10.0.0.2"), device: "eth0"),
                              Route.NextHop(gateway: Build.address("10.1.0.3"), device: "eth1")]
        let outcome = outcome(HostBuild.request(from: "192.168.122.11", to: "198.51.100.1"),
                              HostBuild.host(routes: HostBuild.routes + [multipath]))
        #expect(outcome == .unknown(reason: "multipath route unicast 198.51.100.0/24 via 10.0.0.2 dev eth0 via 10.1.0.3 dev eth1 in table 254: the egress device depends on the flow hash"))
    }

    @Test func uncollectedRoutesMakeAMissingRouteUnknownNotNoRoute() {
        let host = HostBuild.host(routes: [], coverage: Coverage(links: .live, sysctls: .live))
        #expect(outcome(HostBuild.request(from: "192.168.122.11", to: "198.51.100.1"), host)
                == .unknown(reason: "the host's routes were not collected"))
        let collected = HostBuild.host(routes: [])
        #expect(outcome(HostBuild.request(from: "192.168.122.11", to: "198.51.100.1"), collected) == .noRoute)
    }

    @Test func stepsNameRulesTablesAndRoutes() {
        let decision = decideRoute(HostBuild.request(from: "192.168.122.11", to: "93.184.216.34"), on: HostBuild.host())
        #expect(decision.steps == [
            "no ipv4 policy rules recorded; using the kernel defaults",
            "rule 0 (lookup table 255) matches",
            "table 255: no route to 93.184.216.34",
            "rule 32766 (lookup table 254) matches",
            "table 254: unicast 0.0.0.0/0 via 10.0.0.1 dev eth0 metric 100",
        ])
    }
}
