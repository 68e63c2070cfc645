import VNetModel

/// The changes outside the firewall that decide guest traffic: routes and policy rules, sysctls, links
/// (bridge ports, oper state, master, MTU, addresses) and libvirt network definitions.
enum HostSettingsDiff {
    static func changes(before: HostState, after: HostState) -> [StateChange] {
        routes(before.routes, after.routes) + policyRules(before.policyRules, after.policyRules)
            + sysctls(before.sysctls, after.sysctls) + links(before, after)
            + libvirtNetworks(before.libvirt.networks, after.libvirt.networks)
    }

    // MARK: routes

    /// Routes keyed by what the kernel keys them by (family, table, type, destination, metric); the rest
    /// (next hops, source, protocol) is their value.
    private struct RouteKey: Hashable, Comparable {
        var family: AddressFamily, table: Int, type: Route.RouteType, destination: IPPrefix, metric: Int
        init(_ r: Route) {
            family = r.family
            table = r.table
            type = r.type
            destination = r.destination
            metric = r.metric ?? 0
        }
        static func < (a: RouteKey, b: RouteKey) -> Bool {
            (a.family.rawValue, a.table, a.destination, a.metric) < (b.family.rawValue, b.table, b.destination, b.metric)
        }
    }

    static func routes(_ before: [Route], _ after: [Route]) -> [StateChange] {
        let old = Dictionary(before.map { (RouteKey($0), $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(after.map { (RouteKey($0), $0) }, uniquingKeysWith: { first, _ in first })
        return Set(old.keys).union(new.keys).sorted().compactMap { key in
            guard let kind = kind(old[key], new[key]) else { return nil }
            let devices = Set(((old[key]?.nextHops ?? []) + (new[key]?.nextHops ?? [])).compactMap(\.device)).sorted()
            return StateChange(area: .route, kind: kind,
                               subject: "route \(key.type == .unicast ? "" : key.type.rawValue + " ")\(key.destination) table \(key.table)",
                               before: old[key].map(describe), after: new[key].map(describe), interfaces: devices)
        }
    }

    /// `via 203.0.113.1 dev eth-up proto static metric 100`.
    static func describe(_ route: Route) -> String {
        let hops = route.nextHops.map { hop in
            [hop.gateway.map { "via \($0)" }, hop.device.map { "dev \($0)" }, hop.weight.map { "weight \($0)" }]
                .compactMap { $0 }.joined(separator: " ")
        }
        return ([route.type.rawValue, route.destination.description] + hops
                + ["proto \(route.protocolName)", "scope \(route.scope)"]
                + [route.preferredSource.map { "src \($0)" }, route.metric.map { "metric \($0)" }].compactMap { $0 })
            .joined(separator: " ")
    }

    static func policyRules(_ before: [PolicyRule], _ after: [PolicyRule]) -> [StateChange] {
        let old = Set(before), new = Set(after)
        let removed = before.filter { !new.contains($0) }.map { (StateChange.Kind.removed, $0) }
        let added = after.filter { !old.contains($0) }.map { (StateChange.Kind.added, $0) }
        return (removed + added).map { kind, rule in
            let text = describe(rule)
            return StateChange(area: .policyRule, kind: kind, subject: "ip \(rule.family == .ipv6 ? "-6 " : "")rule \(rule.priority)",
                               before: kind == .removed ? text : nil, after: kind == .added ? text : nil,
                               interfaces: [rule.inputInterface, rule.outputInterface].compactMap { $0 })
        }
    }

    static func describe(_ rule: PolicyRule) -> String {
        [rule.invert ? "not" : nil, rule.from.map { "from \($0)" }, rule.to.map { "to \($0)" },
         rule.inputInterface.map { "iif \($0)" }, rule.outputInterface.map { "oif \($0)" },
         rule.fwmark.map { "fwmark \($0)" + (rule.fwmask.map { "/\($0)" } ?? "") },
         rule.action, rule.table.map { "table \($0)" }].compactMap { $0 }.joined(separator: " ")
    }

    // MARK: sysctls

    static func sysctls(_ before: Sysctls, _ after: Sysctls) -> [StateChange] {
        Set(before.values.keys).union(after.values.keys).sorted().compactMap { key in
            let old = before.values[key], new = after.values[key]
            guard let kind = kind(old, new) else { return nil }
            return StateChange(area: .sysctl, kind: kind, subject: key, before: old, after: new,
                               interfaces: interface(ofSysctl: key).map { [$0] })
        }
    }

    /// `eth0` of `net.ipv4.conf.eth0.rp_filter`; nil for host-wide keys (`all`, `default`, `ip_forward`).
    static func interface(ofSysctl key: String) -> String? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 5, parts[0] == "net", parts[2] == "conf" else { return nil }
        let name = parts[3...(parts.count - 2)].joined(separator: ".")
        return ["all", "default"].contains(name) ? nil : name
    }

    // MARK: links

    static func links(_ before: HostState, _ after: HostState) -> [StateChange] {
        let old = Dictionary(before.links.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(after.links.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return Set(old.keys).union(new.keys).sorted().compactMap { name in
            let oldText = old[name].map { describe($0, addresses: before.addresses(of: name)) }
            let newText = new[name].map { describe($0, addresses: after.addresses(of: name)) }
            guard let kind = kind(oldText, newText) else { return nil }
            let masters = Set([old[name]?.master, new[name]?.master].compactMap { $0 })
            return StateChange(area: .link, kind: kind, subject: "link \(name)", before: oldText, after: newText,
                               interfaces: [name] + masters.sorted())
        }
    }

    /// What of a link matters to guest traffic, as one line: `bridge up mtu 1500 master virbr0 isolated 10.0.0.1/24`.
    /// Counters, indexes and MACs are left out: they change without changing behaviour.
    static func describe(_ link: Link, addresses: [InterfaceAddress]) -> String {
        var parts = [link.kindName ?? link.kind.rawValue, link.operState.rawValue, link.adminUp ? "admin-up" : "admin-down",
                     link.carrier ? "carrier" : "no-carrier", "mtu \(link.mtu)"]
        if let master = link.master { parts.append("master \(master)") }
        if let port = link.bridgePort {
            parts.append("stp-state \(port.stpState.rawValue)")
            if port.isolated == true { parts.append("isolated") }
            if port.learning == false { parts.append("no-learning") }
        }
        if let bridge = link.bridge {
            if bridge.vlanFiltering { parts.append("vlan-filtering") }
            if let call = bridge.nfCallIptables { parts.append("nf-call-iptables \(call ? 1 : 0)") }
        }
        parts += addresses.map { "\($0.address)/\($0.prefixLength)" }.sorted()
        return parts.joined(separator: " ")
    }

    // MARK: libvirt

    static func libvirtNetworks(_ before: [LibvirtNetwork], _ after: [LibvirtNetwork]) -> [StateChange] {
        let old = Dictionary(before.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(after.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return Set(old.keys).union(new.keys).sorted().compactMap { name in
            let oldFields = old[name].map(definitionFields), newFields = new[name].map(definitionFields)
            guard let kind = kind(oldFields, newFields) else { return nil }
            // Only the fields that differ, so the change reads as what was edited.
            let keys = Set((oldFields ?? [:]).keys).union((newFields ?? [:]).keys).sorted()
                .filter { oldFields?[$0] != newFields?[$0] }
            func text(_ fields: [String: String]?) -> String? {
                fields.map { f in keys.map { "\($0)=\(f[$0] ?? "(none)")" }.joined(separator: " ") }
            }
            let bridges = [old[name]?.bridge?.name, new[name]?.bridge?.name].compactMap { $0 }
            return StateChange(area: .libvirtNetwork, kind: kind, subject: "libvirt network \(name)",
                               before: kind == .added ? nil : text(oldFields), after: kind == .removed ? nil : text(newFields),
                               interfaces: Array(Set(bridges)).sorted())
        }
    }

    /// The definition and run state of a network, field by field; dnsmasq's pid and lease count change
    /// on every restart and are left out, whether it runs is kept.
    static func definitionFields(_ network: LibvirtNetwork) -> [String: String] {
        var fields: [String: String] = [
            "active": "\(network.active)",
            "forward": "\(network.forward.mode.rawValue)" + (network.forward.dev.map { " dev \($0)" } ?? ""),
            "bridge": network.bridge?.name ?? "(none)",
            "ips": network.ips.map { "\($0.address)/\($0.prefixLength)" }.joined(separator: ","),
            "dhcp": network.ips.flatMap { ip in ip.dhcpRanges.map { "\($0.start)-\($0.end)" } }.joined(separator: ","),
            "routes": network.routes.map { "\($0.destination) via \($0.gateway)" }.joined(separator: ","),
        ]
        if let nat = network.forward.nat {
            fields["nat"] = [nat.addressStart.map { "address \($0)-\(nat.addressEnd?.description ?? "")" },
                             nat.portStart.map { "port \($0)-\(nat.portEnd.map(String.init) ?? "")" },
                             nat.ipv6 ? "ipv6" : nil].compactMap { $0 }.joined(separator: " ")
        }
        if !network.forward.interfaces.isEmpty { fields["forward-interfaces"] = network.forward.interfaces.joined(separator: ",") }
        if let mtu = network.mtu { fields["mtu"] = "\(mtu)" }
        if let dns = network.dns {
            fields["dns"] = ([dns.enabled == false ? "off" : "on"] + dns.forwarders.map { "forwarder \($0)" }
                             + dns.hosts.map { "host \($0)" }).joined(separator: " ")
        }
        if let backend = network.recordedFirewallBackend { fields["firewall-backend"] = backend.rawValue }
        if let dnsmasq = network.dnsmasq { fields["dnsmasq"] = dnsmasq.running ? "running" : "not running" }
        return fields
    }

    /// added/removed/changed, or nil when equal.
    static func kind<T: Equatable>(_ old: T?, _ new: T?) -> StateChange.Kind? {
        switch (old, new) {
        case let (o?, n?): return o == n ? nil : .changed
        case (nil, .some): return .added
        case (.some, nil): return .removed
        case (nil, nil): return nil
        }
    }
}
