import VNetModel

/// VNA-007: libvirt's dnsmasq for an active network is not running, or does not hold the DNS and DHCP
/// sockets its guests need (field notes cause 10).
struct DnsmasqDownRule: CatalogueRule {
    let id = "VNA-007"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).compactMap { judge($0, scope.host) }
    }

    private func judge(_ network: LibvirtNetwork, _ host: HostState) -> RuleOutcome? {
        let needed = ServiceSocket.needed(by: network)
        guard !needed.isEmpty, let bridge = network.bridgeName else { return nil }
        let placeholders = ["network": network.name]
        guard let dnsmasq = network.dnsmasq else {
            return RuleOutcome(network: network.name, status: .fail,
                               message: "Network '\(network.name)' serves DHCP/DNS but libvirt recorded no dnsmasq for it (no pid file).",
                               evidence: [.state("no dnsmasq pid file", source: network.sourceFiles.last ?? "libvirt")], placeholders: placeholders)
        }
        let pidEvidence = Evidence.state("dnsmasq pid \(dnsmasq.pid.map(String.init) ?? "unknown"), running: \(dnsmasq.running)",
                                         source: dnsmasq.pidFile, value: dnsmasq.pid.map(String.init))
        guard dnsmasq.running, let pid = dnsmasq.pid else {
            return RuleOutcome(network: network.name, status: .fail,
                               message: "libvirt's dnsmasq of network '\(network.name)' (pid file \(dnsmasq.pidFile), pid \(dnsmasq.pid.map(String.init) ?? "unreadable")) is not running: guests on \(bridge) get no DHCP and no DNS.",
                               evidence: [pidEvidence], placeholders: placeholders)
        }
        guard host.coverage.listeners != .notCollected else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "dnsmasq pid \(pid) of network '\(network.name)' runs, but the host's sockets were not read: whether it listens is unknown.",
                               evidence: [pidEvidence])
        }
        let holders = needed.map { ($0, $0.holders(host.listeners, bridge: bridge)) }
        let unheld = holders.filter { _, found in !found.contains { $0.processes.contains { $0.pid == pid } } }
        // A socket whose owner could not be read may be dnsmasq's: that is not a missing socket.
        let missing = unheld.filter { _, found in !found.contains { $0.processes.isEmpty } }.map(\.0)
        let unowned = unheld.filter { _, found in found.contains { $0.processes.isEmpty } }.map(\.0)
        guard missing.isEmpty else {
            return RuleOutcome(network: network.name, status: .fail,
                               message: "dnsmasq pid \(pid) of network '\(network.name)' runs but does not listen on \(missing.map(\.text).joined(separator: ", ")).",
                               evidence: [pidEvidence] + missing.map { .state("no socket of pid \(pid) on \($0.text)", source: "listeners") },
                               placeholders: placeholders)
        }
        guard unowned.isEmpty else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "dnsmasq pid \(pid) of network '\(network.name)' runs; the owners of \(unowned.map(\.text).joined(separator: ", ")) could not be read.",
                               evidence: [pidEvidence])
        }
        return RuleOutcome(network: network.name, status: .pass,
                           message: "dnsmasq pid \(pid) of network '\(network.name)' runs and listens on \(needed.map(\.text).joined(separator: ", ")).",
                           evidence: [pidEvidence])
    }
}
