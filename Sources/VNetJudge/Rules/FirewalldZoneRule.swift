import VNetModel

/// VNA-018: with firewalld running, a network's bridge outside the zone libvirt gives it (`libvirt`, or
/// `libvirt-routed` for route networks, or the network's own `<bridge zone=...>`), or that zone missing
/// from firewalld (causes 4, 23). Read from firewalld's own zone dispatch chain.
struct FirewalldZoneRule: CatalogueRule {
    let id = "VNA-018"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        let zones = FirewalldZones(scope.host.firewall)
        return scope.networks.compactMap { network in
            guard let bridge = network.bridgeName else { return nil }
            guard network.active else { return zones.flatMap { inactive(network, zones: $0) } }
            return judge(network, bridge: bridge, zones: zones, host: scope.host)
        }
    }

    /// An inactive network whose zone firewalld lacks: libvirt refuses to start it (seen in the lab:
    /// with firewalld running and no `libvirt` zone, every network that needs the zone stays down).
    private func inactive(_ network: LibvirtNetwork, zones: FirewalldZones) -> RuleOutcome? {
        let expected = Self.expectedZone(of: network)
        guard !zones.has(zone: expected) else { return nil }
        return RuleOutcome(network: network.name, status: .fail,
                           message: "Network '\(network.name)' is not running, and firewalld has no zone '\(expected)' (libvirt's package ships it as /usr/lib/firewalld/zones/\(expected).xml): libvirt cannot start the network while firewalld runs without it.",
                           evidence: [.state("no chain filter_IN_\(expected)", source: "nf_tables inet firewalld"),
                                      .definition(network, "inactive")],
                           commands: Self.restoreZone + ["virsh net-start \(network.name)"])
    }

    /// Brings back libvirt's zone files and makes firewalld load them (libvirt re-adds its rules when
    /// firewalld reloads).
    private static let restoreZone = ["apt-get install --reinstall libvirt-daemon-driver-network", "firewall-cmd --reload"]

    /// The zone libvirt puts the network's bridge in.
    static func expectedZone(of network: LibvirtNetwork) -> String {
        network.bridge?.zone ?? (network.mode == .route ? "libvirt-routed" : "libvirt")
    }

    private func judge(_ network: LibvirtNetwork, bridge: String, zones: FirewalldZones?, host: HostState) -> RuleOutcome {
        guard let zones else {
            if host.coverage.nftables == .notCollected {
                return RuleOutcome(network: network.name, status: .inconclusive,
                                   message: "The nf_tables rules were not read: whether firewalld zones decide network '\(network.name)' is unknown.",
                                   evidence: [.notCollected("nftables")])
            }
            return RuleOutcome(network: network.name, status: .pass,
                               message: "firewalld is not running (no inet firewalld table): no zone decides \(bridge) of network '\(network.name)'.",
                               evidence: [.state("no table inet firewalld", source: "firewall")])
        }
        let expected = Self.expectedZone(of: network)
        guard let current = zones.zone(of: bridge) else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "firewalld's zone dispatch (filter_INPUT_ZONES) names no zone for \(bridge) of network '\(network.name)', not even a default one.",
                               evidence: [.state("no zone for \(bridge)", source: "nf_tables inet firewalld filter_INPUT_ZONES")])
        }
        let evidence = [Evidence.state("\(bridge) goes to zone \(current)", source: "nf_tables inet firewalld filter_INPUT_ZONES",
                                       value: current)]
        guard zones.has(zone: expected) else {
            return RuleOutcome(network: network.name, status: .fail,
                               message: "firewalld has no zone '\(expected)' (libvirt's package ships it as /usr/lib/firewalld/zones/\(expected).xml): \(bridge) of network '\(network.name)' falls into zone '\(current)', whose rules decide its guests' DHCP, DNS and forwarding.",
                               evidence: evidence + [.state("no chain filter_IN_\(expected)", source: "nf_tables inet firewalld")],
                               commands: Self.restoreZone + ["firewall-cmd --zone=\(expected) --change-interface=\(bridge)"])
        }
        guard current == expected else {
            return RuleOutcome(network: network.name, status: .fail,
                               message: "\(bridge) of network '\(network.name)' is in firewalld zone '\(current)', not '\(expected)': that zone's rules decide its guests' DHCP, DNS and forwarding.",
                               evidence: evidence, placeholders: ["zone": expected, "current_zone": current, "bridge": bridge])
        }
        return RuleOutcome(network: network.name, status: .pass,
                           message: "\(bridge) of network '\(network.name)' is in firewalld zone '\(expected)'.", evidence: evidence)
    }
}
