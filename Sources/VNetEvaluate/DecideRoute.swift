import VNetModel

/// Decides where the kernel routes `request` on `host`: policy rules by priority, each `lookup` a
/// longest-prefix match in its table. A table without a matching route, or a `throw` route, passes the
/// packet on to the next rule. A rule or route the model cannot decide makes the answer unknown, and so
/// does the lack of a route when the routes were not collected (an unread table is not an empty one).
public func decideRoute(_ request: RoutingRequest, on host: HostState) -> RoutingDecision {
    let unknown = RoutingDecision.Outcome.unknown(reason: "the host's routes were not collected")
    if host.coverage.routes == .notCollected, host.routes.isEmpty {
        return RoutingDecision(outcome: unknown, steps: ["no routes were collected (rule-set files hold none)"])
    }
    var decision = decideRouteFromRecordedRoutes(request, on: host)
    if host.coverage.routes == .notCollected, decision.outcome == .noRoute {
        decision.steps.append("the routes were not collected: the route is unknown")
        decision.outcome = unknown
    }
    return decision
}

private func decideRouteFromRecordedRoutes(_ request: RoutingRequest, on host: HostState) -> RoutingDecision {
    if let received = receivedBeforeLookup(request) { return received }
    var steps: [String] = []
    var rules = host.policyRules.filter { $0.family == request.family }
    if rules.isEmpty {
        rules = defaultPolicyRules(request.family)
        steps.append("no \(request.family.rawValue) policy rules recorded; using the kernel defaults")
    }
    // By priority; rules sharing one keep the model's order, as the kernel keeps insertion order.
    let ordered = rules.enumerated().sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }
    for rule in ordered.map(\.element) {
        let label = "rule \(rule.priority) (\(rule.action)\(rule.table.map { " table \($0)" } ?? ""))"
        switch policyRuleMatches(rule, request) {
        case .no: continue
        case .unknown:
            steps.append("\(label): selectors cannot be decided for this packet")
            return RoutingDecision(outcome: .unknown(reason: "\(label): selectors cannot be decided"), steps: steps)
        case .yes: steps.append("\(label) matches")
        }
        switch rule.action {
        case "lookup":
            guard let table = rule.table else {
                return RoutingDecision(outcome: .unknown(reason: "\(label) names no table"), steps: steps)
            }
            if let outcome = lookUp(request.destination, table: table, in: host.routes, suppressing: rule.suppressPrefixLength,
                                    steps: &steps) {
                return RoutingDecision(outcome: outcome, steps: steps, decidingRule: rule)
            }
        case "nop": continue
        case "blackhole", "unreachable", "prohibit":
            return RoutingDecision(outcome: .dropped(reason: label, route: nil), steps: steps, decidingRule: rule)
        default:
            return RoutingDecision(outcome: .unknown(reason: "\(label): action not modelled"), steps: steps)
        }
    }
    steps.append("no rule found a route")
    return RoutingDecision(outcome: .noRoute, steps: steps)
}

/// What the kernel decides for a received packet before any policy rule or table (`ip_route_input_slow`,
/// `ip_route_input_rcu`, `ip6_route_input`): the limited broadcast 255.255.255.255 (and 0.0.0.0 from
/// 0.0.0.0) is delivered to the host on the device it came in by, as a DHCP discover to dnsmasq is; a
/// multicast destination (IPv4 or IPv6) is delivered when the host joined the group and is never routed
/// as unicast, and group membership is not in the model. Nil for every other packet.
private func receivedBeforeLookup(_ request: RoutingRequest) -> RoutingDecision? {
    guard let device = request.inputInterface else { return nil }
    let limitedBroadcast = IPAddress(ipv4: 0xFFFF_FFFF), zero = IPAddress(ipv4: 0)
    if request.family == .ipv4, request.destination == limitedBroadcast || (request.source == zero && request.destination == zero) {
        return RoutingDecision(outcome: .local(device: device),
                               steps: ["limited broadcast \(request.destination): delivered to the host on \(device), no route looked up"])
    }
    if request.destination.isMulticast {
        let reason = "multicast \(request.destination) received on \(device): delivered if the host joined the group, else dropped; group membership is not in the model"
        return RoutingDecision(outcome: .unknown(reason: reason), steps: [reason])
    }
    return nil
}

/// The outcome of a lookup in `table`, or nil when the table sends the packet on to the next rule: no
/// route, a `throw` route, or a route with a prefix of `suppressing` bits or fewer (`suppress_prefixlength`).
private func lookUp(_ destination: IPAddress, table: Int, in routes: [Route], suppressing: Int?,
                    steps: inout [String]) -> RoutingDecision.Outcome? {
    guard let route = longestPrefixMatch(destination, table: table, in: routes) else {
        steps.append("table \(table): no route to \(destination)")
        return nil
    }
    steps.append("table \(table): \(describe(route))")
    if let suppressing, route.destination.length <= suppressing {
        steps.append("suppress_prefixlength \(suppressing): a /\(route.destination.length) route is ignored, next rule")
        return nil
    }
    switch route.type {
    case .local, .broadcast:
        return .local(device: route.nextHops.first?.device)
    case .unicast:
        guard let hop = route.nextHops.first else {
            return .unknown(reason: "route \(route.destination) in table \(table) has no next hop")
        }
        // Multipath: the flow hash picks the next hop; the egress is known when all share one device.
        let devices = Set(route.nextHops.map(\.device))
        guard devices.count == 1 else {
            return .unknown(reason: "multipath route \(describe(route)) in table \(table): the egress device depends on the flow hash")
        }
        if route.nextHops.count > 1 {
            steps.append("multipath: one of \(route.nextHops.count) next hops, all out of \(hop.device ?? "the same device")")
        }
        return .forward(device: hop.device, nextHop: hop.gateway ?? destination, route: route)
    case .blackhole, .unreachable, .prohibit:
        return .dropped(reason: "\(route.type.rawValue) route \(route.destination) in table \(table)", route: route)
    case .throw:
        return nil
    case .anycast, .multicast, .nat, .other:
        return .unknown(reason: "\(route.type.rawValue) route \(route.destination) in table \(table) not modelled")
    }
}

/// A route as `ip route` would roughly print it, for evidence.
private func describe(_ route: Route) -> String {
    var text = "\(route.type.rawValue) \(route.destination)"
    for hop in route.nextHops {
        if let gateway = hop.gateway { text += " via \(gateway)" }
        if let device = hop.device { text += " dev \(device)" }
    }
    if let metric = route.metric { text += " metric \(metric)" }
    return text
}
