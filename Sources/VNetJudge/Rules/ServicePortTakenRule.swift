import VNetModel

/// VNA-008: a process other than libvirt's dnsmasq holds DNS or DHCP ports on a network's bridge address
/// (field notes cause 10). Sockets of any network's dnsmasq are libvirt's own and never count.
struct ServicePortTakenRule: CatalogueRule {
    let id = "VNA-008"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        let libvirtPids = Set(scope.host.libvirt.networks.compactMap { $0.dnsmasq?.running == true ? $0.dnsmasq?.pid : nil })
        return scope.networks.filter(\.active).compactMap { judge($0, scope.host, libvirtPids) }
    }

    private func judge(_ network: LibvirtNetwork, _ host: HostState, _ libvirtPids: Set<Int>) -> RuleOutcome? {
        let needed = ServiceSocket.needed(by: network)
        guard !needed.isEmpty, let bridge = network.bridgeName else { return nil }
        guard host.coverage.listeners != .notCollected else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "The host's sockets were not read: whether another process holds the DNS/DHCP ports of network '\(network.name)' is unknown.",
                               evidence: [.notCollected("listeners")])
        }
        let held = needed.flatMap { socket in socket.holders(host.listeners, bridge: bridge).map { (socket, $0) } }
        let foreign = held.filter { !$0.1.processes.isEmpty && !$0.1.processes.contains { libvirtPids.contains($0.pid) } }
        if let (socket, listener) = foreign.first {
            let owners = listener.processes.map { "\($0.command) (pid \($0.pid))" }.joined(separator: ", ")
            return RuleOutcome(network: network.name, status: .fail,
                               message: "\(owners) holds \(listener.transport.rawValue) \(listener.address):\(listener.port), which libvirt's dnsmasq of network '\(network.name)' needs for \(socket.text) on \(bridge).",
                               evidence: foreign.map { evidence($0.1) },
                               placeholders: ["network": network.name, "bridge": bridge, "port": String(listener.port),
                                              "process": listener.processes.map(\.command).joined(separator: ", ")])
        }
        let unowned = held.filter { $0.1.processes.isEmpty }
        if !unowned.isEmpty {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "Sockets on \(unowned.map(\.0.text).joined(separator: ", ")) of network '\(network.name)' have no known owner: whether they are libvirt's dnsmasq is unknown.",
                               evidence: unowned.map { evidence($0.1) })
        }
        return RuleOutcome(network: network.name, status: .pass,
                           message: "No process other than libvirt's dnsmasq holds \(needed.map(\.text).joined(separator: ", ")) for network '\(network.name)'.",
                           evidence: held.map { evidence($0.1) })
    }

    private func evidence(_ listener: Listener) -> Evidence {
        .state("\(listener.transport.rawValue) \(listener.address):\(listener.port)\(listener.boundDevice.map { "%\($0)" } ?? "") held by "
               + (listener.processes.isEmpty ? "an unknown process" : listener.processes.map { "\($0.command) pid \($0.pid)" }.joined(separator: ", ")),
               source: "listeners")
    }
}
