import Foundation
import Testing
import VNetModel
@testable import VNetReport

/// A small but realistic host: the default NAT network with two guests, a host bridge `br0` used by
/// a bridge-mode network, an inactive isolated network, libvirt's nftables table beside a legacy
/// FORWARD DROP (a container engine's), and dnsmasq listening on virbr0.
enum ShowHost {
    static func ip(_ s: String) -> IPAddress { IPAddress(s)! }

    static func port(_ name: String, index: Int, kind: LinkKind, bridge: String, stp: BridgePortInfo.STPState,
                     mtu: Int = 1500) -> Link {
        Link(index: index, name: name, kind: kind, mtu: mtu, operState: .up, adminUp: true, carrier: true, master: bridge,
             bridgePort: BridgePortInfo(bridge: bridge, stpState: stp))
    }

    static let host = HostState(
        hostname: "hv1", kernelRelease: "6.1.0-28-amd64", collectedAt: Date(timeIntervalSince1970: 1_763_850_000),
        coverage: Coverage(links: .live, routes: .live, sysctls: .live, nftables: .live, legacyIPv4: .live,
                           legacyIPv6: .notCollected, libvirt: .live, listeners: .live),
        links: [
            Link(index: 2, name: "eth0", kind: .physical, mtu: 1500, operState: .up, adminUp: true, carrier: true),
            Link(index: 3, name: "virbr0", kind: .bridge, mtu: 1500, operState: .up, adminUp: true, carrier: true,
                 bridge: BridgeInfo(stpEnabled: true, vlanFiltering: false, ports: ["vnet0", "vnet1"])),
            port("vnet0", index: 10, kind: .tap, bridge: "virbr0", stp: .forwarding),
            port("vnet1", index: 11, kind: .tap, bridge: "virbr0", stp: .blocking),
            Link(index: 4, name: "br0", kind: .bridge, mtu: 9000, operState: .up, adminUp: true, carrier: true,
                 bridge: BridgeInfo(stpEnabled: false, vlanFiltering: false, ports: ["eth1", "vnet2"])),
            port("eth1", index: 5, kind: .physical, bridge: "br0", stp: .forwarding, mtu: 9000),
            port("vnet2", index: 12, kind: .tap, bridge: "br0", stp: .forwarding),
        ],
        addresses: [InterfaceAddress(linkName: "virbr0", linkIndex: 3, address: ip("192.168.122.1"), prefixLength: 24, scope: .global)],
        routes: [Route(family: .ipv4, table: Route.mainTable, type: .unicast, destination: IPPrefix("0.0.0.0/0")!,
                       protocolName: "dhcp", scope: "universe", metric: 100,
                       nextHops: [.init(gateway: ip("203.0.113.1"), device: "eth0")])],
        sysctls: Sysctls(values: ["net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "0",
                                  "net.ipv4.conf.virbr0.rp_filter": "2"]),
        firewall: Firewall(tables: [
            FirewallTable(system: .nftables, family: .ip, name: "libvirt_network", chains: [
                FirewallChain(name: "forward", base: BaseChain(type: .filter, hook: .forward, priority: 0, policy: .accept),
                              rules: [FirewallRule(position: 1, elements: [.action(.jump("guest_cross"))], text: "jump guest_cross")]),
                FirewallChain(name: "guest_cross", rules: [
                    FirewallRule(position: 1, elements: [.match(Match(.iifname, .eq, .string("virbr0"))), .action(.accept)], text: "a"),
                ]),
                FirewallChain(name: "guest_nat", base: BaseChain(type: .nat, hook: .postrouting, priority: 100, policy: .accept)),
            ]),
            FirewallTable(system: .xtables, family: .ip, name: "filter", chains: [
                FirewallChain(name: "FORWARD", base: BaseChain(type: .filter, hook: .forward, priority: 0, policy: .drop), rules: [
                    FirewallRule(position: 1, elements: [
                        .unknown(UnknownElement(kind: "match", name: "recent", text: "-m recent --rcheck", mayAffectVerdict: true)),
                        .action(.drop),
                    ], text: "-A FORWARD -m recent --rcheck -j DROP"),
                ]),
            ]),
        ]),
        libvirt: LibvirtState(configuredFirewallBackend: .nftables, networks: [
            LibvirtNetwork(name: "default", active: true, persistent: true, autostart: true, forward: Forward(mode: .nat),
                           bridge: BridgeConfig(name: "virbr0", stp: true, delay: 0),
                           ips: [NetworkIP(family: .ipv4, address: ip("192.168.122.1"), prefixLength: 24,
                                           dhcpRanges: [.init(start: ip("192.168.122.2"), end: ip("192.168.122.254"))]),
                                 NetworkIP(family: .ipv6, address: ip("fd00:122::1"), prefixLength: 64)],
                           recordedFirewallBackend: .nftables, recordedFirewallRemoval: ["nft a", "nft b"],
                           dnsmasq: DnsmasqState(pidFile: "/run/libvirt/network/default.pid", pid: 812, running: true, leaseCount: 2)),
            LibvirtNetwork(name: "isolated", active: false, persistent: true, autostart: false, forward: Forward(mode: .isolated),
                           bridge: BridgeConfig(name: "virbr2"),
                           ips: [NetworkIP(family: .ipv4, address: ip("192.168.100.1"), prefixLength: 24)]),
            LibvirtNetwork(name: "lan", active: true, persistent: true, autostart: true, forward: Forward(mode: .bridge),
                           bridge: BridgeConfig(name: "br0")),
            LibvirtNetwork(name: "natfancy", active: true, persistent: false, autostart: false,
                           forward: Forward(mode: .nat, dev: "eth9", nat: NATConfig(addressStart: ip("198.51.100.10"),
                                                                                    addressEnd: ip("198.51.100.20"),
                                                                                    portStart: 20000, portEnd: 29999, ipv6: true)),
                           bridge: BridgeConfig(name: "virbr4"),
                           ips: [NetworkIP(family: .ipv4, address: ip("192.168.150.1"), prefixLength: 24)],
                           dnsmasq: DnsmasqState(pidFile: "/run/libvirt/network/natfancy.pid", pid: 4242, running: false)),
        ], unmanagedBridges: ["br0"]),
        listeners: [
            Listener(transport: .udp, address: ip("192.168.122.1"), port: 67, boundDevice: "virbr0", processes: [.init(pid: 812, command: "dnsmasq")]),
            Listener(transport: .udp, address: ip("192.168.122.1"), port: 53, processes: [.init(pid: 812, command: "dnsmasq")]),
            Listener(transport: .tcp, address: ip("::1"), port: 53),
        ],
        notes: [CollectionNote(.warning, source: "libvirt", "/run/libvirt/network/x.xml:3:1: malformed XML; network 'x' skipped")])
}

@Suite struct ShowRendererTests {
    let text = ShowRenderer.render(ShowHost.host, color: false)
    var lines: [String] { text.components(separatedBy: "\n") }

    private func expectLine(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(lines.contains(line), "missing line: \(line)\n\(text)", sourceLocation: sourceLocation)
    }

    @Test func header() {
        #expect(lines.first == "host hv1")
        expectLine("  kernel     6.1.0-28-amd64")
        expectLine("  collected  2025-11-22T22:20:00Z")
        expectLine("  sources    links live, routes live, sysctls live, nftables live, legacy IPv4 live, legacy IPv6 not-collected, libvirt live, listeners live")
    }

    @Test func natNetwork() {
        expectLine("libvirt networks (firewall_backend nftables)")
        expectLine("  default  active, autostart  mode nat, IPv6 NAT no")
        expectLine("    bridge    virbr0  up, MTU 1500, STP on")
        expectLine("    IPv4      192.168.122.0/24  host 192.168.122.1  DHCP 192.168.122.2-192.168.122.254")
        expectLine("    IPv6      fd00:122::/64  host fd00:122::1 (not on virbr0)")
        expectLine("    guests    vnet0 (forwarding, MTU 1500), vnet1 (blocking, MTU 1500)")
        expectLine("    uplink    eth0 (default route) up, MTU 1500")
        expectLine("    firewall  nftables (2 removal commands)")
        expectLine("    dnsmasq   running (pid 812), 2 leases")
    }

    @Test func otherModes() {
        expectLine("  isolated  inactive, no autostart  mode isolated")
        expectLine("    bridge    virbr2  absent (network inactive)")
        expectLine("    firewall  none while inactive")
        expectLine("  lan  active, autostart  mode bridge")
        expectLine("    guests    vnet2 (forwarding, MTU 1500)")
        expectLine("    uplink    eth1 (bridge port) up, MTU 9000")
        expectLine("  natfancy  active, no autostart, transient  mode nat, IPv6 NAT yes, SNAT to 198.51.100.10-198.51.100.20, ports 20000-29999")
        expectLine("    bridge    virbr4  missing")
        expectLine("    uplink    eth9 (forward dev) missing")
        expectLine("    firewall  no fwRemoval record (libvirt < 10.4)")
        expectLine("    dnsmasq   not running (pid 4242, /run/libvirt/network/natfancy.pid)")
    }

    @Test func unmanagedBridges() {
        expectLine("unmanaged bridges")
        expectLine("  br0  up, MTU 9000, STP off  used by lan")
        expectLine("    ports     eth1 (forwarding, MTU 9000), vnet2 (forwarding, MTU 1500)")
    }

    @Test func firewallSummary() {
        expectLine("firewall (2 tables, 3 rules)")
        expectLine("  not collected: legacy IPv6")
        expectLine("  nf_tables ip libvirt_network  3 chains, 2 rules")
        expectLine("    forward: filter hook forward priority 0 policy accept, 1 rule")
        expectLine("    guest_nat: nat hook postrouting priority 100 policy accept, 0 rules")
        expectLine("  x_tables ip filter  1 chain, 1 rule, 1 unknown element")
        expectLine("    FORWARD: filter hook forward priority 0 policy drop, 1 rule")
        #expect(!text.contains("guest_cross:"), "regular chains are counted, not listed")
    }

    @Test func sysctlsListenersNotes() {
        expectLine("  net.ipv4.ip_forward                 = 1")
        expectLine("  net.ipv6.conf.all.forwarding        = 0")
        expectLine("  net.bridge.bridge-nf-call-iptables  = absent (br_netfilter not loaded)")
        expectLine("  net.ipv4.conf.virbr0.rp_filter      = 2")
        expectLine("DNS/DHCP listeners")
        #expect(lines.filter { $0.hasPrefix("  udp ") || $0.hasPrefix("  tcp ") } == [
            "  udp 192.168.122.1:53  dnsmasq (812)",
            "  tcp [::1]:53  owner unknown",
            "  udp 192.168.122.1:67 on virbr0  dnsmasq (812)",
        ])
        expectLine("collection notes")
        expectLine("  warning libvirt: /run/libvirt/network/x.xml:3:1: malformed XML; network 'x' skipped")
    }

    @Test func bpfProgramsOnLinks() {
        #expect(text.contains("BPF programs on links\n  not read (the state predates their collection)\n"))
        var host = ShowHost.host
        for index in host.links.indices { host.links[index].bpfPrograms = [] }
        #expect(ShowRenderer.render(host, color: false).contains("BPF programs on links\n  none\n"))
        host.links[0].bpfPrograms = [BPFAttachment(hook: .xdp, xdpMode: .native, programID: 101)]
        host.links[2].bpfPrograms = [BPFAttachment(hook: .tcIngress, programID: 7, name: "guard.o:[tc]", tcPriority: 49152,
                                                   tcHandle: 1, directAction: true)]
        let lines = ShowRenderer.render(host, color: false).components(separatedBy: "\n")
        #expect(lines.contains("  eth0  xdp (native) id 101"))
        #expect(lines.contains("  vnet0  tc-ingress pref 49152 handle 0x1 id 7 guard.o:[tc] direct-action"))
    }

    @Test func deterministicAndColourOnlyAddsEscapes() {
        #expect(ShowRenderer.render(ShowHost.host, color: false) == text)
        #expect(!text.contains("\u{1B}"))
        let coloured = ShowRenderer.render(ShowHost.host, color: true)
        #expect(coloured.contains("\u{1B}[31mmissing\u{1B}[0m"))
        let stripped = coloured.replacing(/\x1B\[[0-9]+m/, with: "")
        #expect(stripped == text)
    }

    @Test func emptyHostSaysWhatWasNotCollected() {
        let empty = ShowRenderer.render(HostState(hostname: "(files)", collectedAt: Date(timeIntervalSince1970: 0)), color: false)
        let lines = empty.components(separatedBy: "\n")
        #expect(lines.contains("  kernel     unknown"))
        #expect(lines.contains("libvirt networks (firewall_backend unset)"))
        #expect(lines.filter { $0 == "  not collected" }.count == 3, "libvirt, sysctls, listeners\n\(empty)")
        #expect(lines.contains("  not collected: nf_tables, legacy IPv4, legacy IPv6"))
        #expect(lines.contains("  no tables"))
        #expect(empty.hasSuffix("collection notes\n  none\n"))
    }
}
