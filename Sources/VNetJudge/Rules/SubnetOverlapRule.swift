import VNetModel

/// VNA-009: a network's subnet overlaps a route, an address of another interface, or another network's
/// subnet (field notes cause 9). Routes through the network's own bridge, default routes, link-local and
/// multicast prefixes are not conflicts.
struct SubnetOverlapRule: CatalogueRule {
    let id = "VNA-009"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.compactMap { network in
            network.subnets.isEmpty ? nil : judge(network, scope.host)
        }
    }

    private func judge(_ network: LibvirtNetwork, _ host: HostState) -> RuleOutcome {
        let bridge = network.bridgeName
        let conflicts = network.subnets.flatMap { subnet in
            routeConflicts(subnet, bridge, host) + addressConflicts(subnet, bridge, host) + networkConflicts(subnet, network, host)
        }
        guard host.coverage.routes != .notCollected || !conflicts.isEmpty else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "The host's routes were not read: whether network '\(network.name)' overlaps one is unknown.",
                               evidence: [.notCollected("routes")])
        }
        guard let first = conflicts.first else {
            return RuleOutcome(network: network.name, status: .pass,
                               message: "No route, interface address or other network overlaps \(network.subnets.map(\.description).joined(separator: ", ")) of network '\(network.name)'.",
                               evidence: [.state("compared with \(host.routes.count) routes, \(host.addresses.count) interface addresses and \(host.libvirt.networks.count - 1) other networks",
                                                 source: "routes, addresses, libvirt networks")])
        }
        // A broader prefix only loses the guest subnet's part to the more specific route: a warning. The
        // same or a narrower one takes guest addresses away from the bridge.
        let status: CheckStatus = conflicts.allSatisfy(\.broader) ? .warn : .fail
        let worst = conflicts.first { !$0.broader } ?? first
        return RuleOutcome(network: network.name, status: status,
                           message: "Subnet \(worst.subnet) of network '\(network.name)' overlaps \(worst.what)\(conflicts.count > 1 ? " (and \(conflicts.count - 1) more)" : "")"
                               + (status == .warn ? ": a broader prefix, whose hosts in \(worst.subnet) the host cannot reach." : "."),
                           family: worst.subnet.family, evidence: conflicts.map(\.evidence),
                           placeholders: ["network": network.name])
    }

    private struct Conflict {
        let subnet: IPPrefix
        let what: String
        let evidence: Evidence
        /// The other prefix strictly contains the subnet.
        let broader: Bool

        init(subnet: IPPrefix, other: IPPrefix, what: String, evidence: Evidence) {
            self.subnet = subnet
            self.what = what
            self.evidence = evidence
            broader = other.length < subnet.length
        }
    }

    private static func ignorable(_ prefix: IPPrefix) -> Bool {
        prefix.length == 0 || prefix.network.isLinkLocal || prefix.network.isMulticast
    }

    private func routeConflicts(_ subnet: IPPrefix, _ bridge: String?, _ host: HostState) -> [Conflict] {
        host.routes.filter { route in
            route.family == subnet.family && route.table != Route.localTable && !Self.ignorable(route.destination)
                && route.destination.overlaps(subnet)
                && !(route.nextHops.isEmpty == false && route.nextHops.allSatisfy { $0.device != nil && $0.device == bridge })
        }.map { route in
            let devices = route.nextHops.compactMap(\.device)
            let via = route.nextHops.compactMap(\.gateway).map { " via \($0)" }.joined()
            let text = "\(route.destination)\(via)\(devices.isEmpty ? "" : " dev \(devices.joined(separator: ","))") table \(route.table)"
            return Conflict(subnet: subnet, other: route.destination, what: "route \(text)", evidence: .state("route \(text) overlaps \(subnet)", source: "route", value: text))
        }
    }

    private func addressConflicts(_ subnet: IPPrefix, _ bridge: String?, _ host: HostState) -> [Conflict] {
        host.addresses.filter { address in
            address.linkName != bridge && address.family == subnet.family && !Self.ignorable(address.prefix)
                && address.scope != .host && address.prefix.overlaps(subnet)
        }.map { address in
            let text = "\(address.address)/\(address.prefixLength) on \(address.linkName)"
            return Conflict(subnet: subnet, other: address.prefix, what: "address \(text)", evidence: .state("address \(text) overlaps \(subnet)", source: "link \(address.linkName)", value: text))
        }
    }

    private func networkConflicts(_ subnet: IPPrefix, _ network: LibvirtNetwork, _ host: HostState) -> [Conflict] {
        host.libvirt.networks.filter { $0.name != network.name }.flatMap { other in
            other.subnets.filter { $0.overlaps(subnet) }.map { prefix in
                let text = "network '\(other.name)' (\(prefix))"
                return Conflict(subnet: subnet, other: prefix, what: text,
                                evidence: .state("\(text) overlaps \(subnet)", source: "libvirt network \(other.name)"))
            }
        }
    }
}
