import Foundation
import Testing
import VNetModel
import VNetTestSupport

/// The foundation's promises, checked on the real lab for each libvirt firewall backend: `show` tells
/// the truth about every network, the firewall model holds every rule libvirt installed, snapshots
/// give the same model as live, and reading changes nothing.
@Suite(.enabled(if: Lab.available, "needs root and libvirtd (scripts/install-deps.sh)"))
struct LabFoundationTests {
    struct Expected: Sendable {
        let name: String
        let mode: ForwardMode
        let bridge: String
        let subnets: [String]
        let guestPorts: [String]
    }

    static let networks: [Expected] = [
        Expected(name: "default", mode: .nat, bridge: "virbr0", subnets: ["192.168.122.0/24", "fd00:122::/64"], guestPorts: ["vnet0", "vnet1"]),
        Expected(name: "nat6", mode: .nat, bridge: "virbr1", subnets: ["192.168.150.0/24", "fd00:150::/64"], guestPorts: ["vnet2"]),
        Expected(name: "routed", mode: .route, bridge: "virbr2", subnets: ["192.168.130.0/24", "2001:db8:130::/64"], guestPorts: ["vnet3"]),
        Expected(name: "isolated", mode: .isolated, bridge: "virbr3", subnets: ["192.168.140.0/24", "fd00:140::/64"], guestPorts: ["vnet4"]),
        Expected(name: "open", mode: .open, bridge: "virbr4", subnets: ["192.168.160.0/24", "fd00:160::/64"], guestPorts: ["vnet5"]),
        Expected(name: "hostbridge", mode: .bridge, bridge: "br0", subnets: [], guestPorts: ["eth-br", "vnet6"]),
    ]

    @Test(arguments: ["nftables", "iptables"])
    func showTellsTheTruthAboutTheLab(backend: String) throws {
        let lab = try Lab(name: backend == "nftables" ? "ltnft" : "ltipt", backend: backend)
        let before = try HostFingerprint.take(lab)
        let host = try lab.liveModel()

        try checkNetworks(host, backend: backend)
        try checkFirewall(host, lab: lab, backend: backend)
        try checkSnapshotMatchesLive(host, lab: lab)
        try checkTextShow(lab)

        let after = try HostFingerprint.take(lab)
        #expect(before == after, "reading the host changed it: \(before.difference(from: after))")
    }

    private func checkNetworks(_ host: HostState, backend: String) throws {
        #expect(host.coverage.links == .live && host.coverage.nftables == .live && host.coverage.libvirt == .live)
        #expect(host.libvirt.networks.map(\.name).sorted() == Self.networks.map(\.name).sorted())
        for e in Self.networks {
            let net = try #require(host.libvirt.network(named: e.name), "network \(e.name) missing")
            #expect(net.active && net.autostart && net.persistent, "\(e.name) should be active, autostart, persistent")
            #expect(net.mode == e.mode, "\(e.name): mode \(net.mode), expected \(e.mode)")
            #expect(net.bridge?.name == e.bridge, "\(e.name): bridge \(String(describing: net.bridge?.name))")
            #expect(net.subnets.map(\.description).sorted() == e.subnets.sorted(), "\(e.name): subnets \(net.subnets)")
            let bridge = try #require(host.link(named: e.bridge), "bridge \(e.bridge) missing from links")
            #expect(bridge.kind == .bridge)
            #expect(bridge.bridge?.ports == e.guestPorts, "\(e.bridge) ports \(String(describing: bridge.bridge?.ports))")
            for port in e.guestPorts {
                let link = try #require(host.link(named: port))
                #expect(link.master == e.bridge)
                #expect(link.bridgePort?.stpState == .forwarding, "\(port) STP state \(String(describing: link.bridgePort?.stpState))")
            }
            if e.mode != .bridge {
                #expect(net.recordedFirewallBackend?.rawValue == backend || e.mode == .open,
                        "\(e.name): recorded backend \(String(describing: net.recordedFirewallBackend))")
                #expect(net.dnsmasq?.running == true, "\(e.name): dnsmasq not seen running")
            }
        }
        #expect(host.libvirt.network(named: "nat6")?.forward.nat?.ipv6 == true)
        #expect(host.libvirt.network(named: "routed")?.forward.dev == "eth-up")
        #expect(host.libvirt.configuredFirewallBackend?.rawValue == backend)
        #expect(host.libvirt.unmanagedBridges.contains("br0"))
        // The uplink: the default routes leave through eth-up towards the LAN router.
        let defaults = host.routes.filter { $0.table == Route.mainTable && $0.destination.length == 0 }
        #expect(Set(defaults.flatMap(\.nextHops).compactMap(\.device)) == ["eth-up"])
        #expect(host.sysctls.ipv4Forwarding == true)
        // dnsmasq answers DNS on every libvirt bridge address.
        let dnsAddresses = Set(host.listeners.filter { $0.port == 53 && $0.processes.contains { $0.command == "dnsmasq" } }.map(\.address.description))
        #expect(dnsAddresses.isSuperset(of: ["192.168.122.1", "192.168.130.1", "192.168.140.1"]), "dnsmasq on \(dnsAddresses)")
    }

    /// Every rule libvirt installed is in the model, in the right table, chain, family and order:
    /// compared with what `nft -j list ruleset` says on the same host, decoded independently.
    private func checkFirewall(_ host: HostState, lab: Lab, backend: String) throws {
        let nftTables = host.firewall.tables(system: .nftables)
        let oracle = try lab.hypervisor(["nft", "-j", "list", "ruleset"])
        let oracleTables = try NftOracle.tables(fromJSON: oracle)
        #expect(nftTables.map { "\($0.family.rawValue) \($0.name)" } == oracleTables.map { "\($0.family) \($0.name)" })
        for (mine, theirs) in zip(nftTables, oracleTables) {
            #expect(mine.chains.map(\.name) == theirs.chains.map(\.name), "chains of \(mine.name)")
            for (c, o) in zip(mine.chains, theirs.chains) {
                #expect(c.rules.map(\.handle) == o.handles.map { Optional($0) }, "rules of \(mine.name)/\(c.name) (by handle, in order)")
                #expect(c.base?.hook.rawValue == o.hook, "hook of \(mine.name)/\(c.name)")
                #expect(c.base?.priority == o.priority, "priority of \(mine.name)/\(c.name)")
            }
        }
        let libvirtChains: [(String, String)]
        switch backend {
        case "nftables":
            libvirtChains = [("libvirt_network", "guest_output"), ("libvirt_network", "guest_input"),
                             ("libvirt_network", "guest_cross"), ("libvirt_network", "guest_nat")]
            let table = try #require(host.firewall.table(.nftables, .ip, "libvirt_network"))
            #expect(host.firewall.table(.nftables, .ip6, "libvirt_network") != nil)
            let forward = try #require(table.chain("forward"))
            #expect(forward.base == BaseChain(type: .filter, hook: .forward, priority: 0, policy: .accept))
        default:
            libvirtChains = [("filter", "LIBVIRT_FWO"), ("filter", "LIBVIRT_FWI"), ("filter", "LIBVIRT_FWX"),
                             ("filter", "LIBVIRT_INP"), ("nat", "LIBVIRT_PRT")]
        }
        for (tableName, chainName) in libvirtChains {
            let table = try #require(host.firewall.table(.nftables, .ip, tableName), "table ip \(tableName)")
            let chain = try #require(table.chain(chainName), "chain \(tableName)/\(chainName)")
            #expect(!chain.rules.isEmpty, "\(chainName) has no rules")
            let unknown = chain.rules.filter(\.hasUnknown).map(\.text)
            #expect(unknown.isEmpty, "libvirt's rules must decode fully; undecoded: \(unknown)")
        }
        // Masquerade of the default network's subnet is there, as libvirt promised.
        let natChain = backend == "nftables"
            ? host.firewall.table(.nftables, .ip, "libvirt_network")?.chain("guest_nat")
            : host.firewall.table(.nftables, .ip, "nat")?.chain("LIBVIRT_PRT")
        let masquerades = natChain?.rules.filter { rule in
            rule.elements.contains { if case .action(.masquerade) = $0 { return true } else { return false } }
            && rule.elements.contains(.match(Match(.ipSaddr, .eq, .prefix(IPPrefix("192.168.122.0/24")!))))
        } ?? []
        #expect(!masquerades.isEmpty, "no masquerade rule for 192.168.122.0/24")
    }

    private func checkSnapshotMatchesLive(_ live: HostState, lab: Lab) throws {
        let dir = "/tmp/vnetaudit-labtest-\(lab.name)-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let written = try lab.vnetaudit(["snapshot", "--output", dir])
        #expect(written.status == 0, "snapshot failed: \(written.stderr)")
        let replay = try lab.vnetaudit(["show", "--snapshot", dir, "--format", "json"])
        #expect(replay.status == 0, "show --snapshot failed: \(replay.stderr)")
        let fromSnapshot = try ModelJSON.decoder().decode(HostState.self, from: Data(replay.stdout.utf8))
        // Two reads a moment apart: only the timestamp and packet counters may differ.
        #expect(HostFingerprint.comparable(fromSnapshot) == HostFingerprint.comparable(live))
        // The snapshot can be read outside the lab too (no live state involved).
        let outside = try Shell.run([BuiltProducts.vnetaudit, "show", "--snapshot", dir, "--format", "json"])
        #expect(outside.stdout == replay.stdout)
    }

    private func checkTextShow(_ lab: Lab) throws {
        let out = try lab.vnetaudit(["show", "--no-color"])
        #expect(out.status == 0)
        for e in Self.networks {
            #expect(out.stdout.contains(e.name) && out.stdout.contains(e.bridge), "show text lacks \(e.name)/\(e.bridge)")
        }
    }
}
