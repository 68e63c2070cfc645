import Foundation
import VNetModel

/// A HostState with every field set and every enum case of the firewall model used somewhere, so a
/// round trip through a snapshot exercises the whole JSON shape.
enum CompleteHostState {
    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }
    static func prefix(_ text: String) -> IPPrefix { IPPrefix(text)! }

    /// One of each `MatchValue` case; `matchValueCaseCount` proves none is missing.
    static let matchValues: [MatchValue] = [
        .string("virbr0"), .wildcard(prefix: "virbr"), .integer(6), .range(low: 1024, high: 65535),
        .maskedInteger(value: 0x1, mask: 0xff), .prefix(prefix("192.168.122.0/24")),
        .addressRange(low: ip("fd00::1"), high: ip("fd00::ff")), .mac("52:54:00:12:34:56"), .bool(true),
        .symbol("local"), .flags(["established", "related"]), .flagsMasked(mask: ["syn", "ack"], set: ["syn"]),
        .set([.integer(53), .integer(67)]), .namedSet("allowed"), .concat([.prefix(prefix("10.0.0.1/32")), .integer(80)]),
    ]

    static func matchValueCaseCount(_ values: [MatchValue]) -> Int {
        Set(values.map { value -> String in
            switch value {
            case .string: "string"
            case .wildcard: "wildcard"
            case .integer: "integer"
            case .range: "range"
            case .maskedInteger: "maskedInteger"
            case .prefix: "prefix"
            case .addressRange: "addressRange"
            case .mac: "mac"
            case .bool: "bool"
            case .symbol: "symbol"
            case .flags: "flags"
            case .flagsMasked: "flagsMasked"
            case .set: "set"
            case .namedSet: "namedSet"
            case .concat: "concat"
            }
        }).count
    }

    static let actions: [Action] = [
        .accept, .drop, .reject(with: "icmp-port-unreachable"), .reject(with: nil), .return, .jump("LIBVIRT_FWO"),
        .goto("guest_output"), .continue, .queue("0-3"), .queue(nil),
        .masquerade(ports: PortRange(low: 1024, high: 65535), flags: ["random"]),
        .snat(addresses: AddressRange(low: ip("198.51.100.10"), high: ip("198.51.100.20")), ports: nil, flags: []),
        .dnat(addresses: AddressRange(low: ip("10.0.0.5"), high: ip("10.0.0.5")), ports: PortRange(low: 80, high: 80), flags: ["persistent"]),
        .redirect(ports: PortRange(low: 3128, high: 3128), flags: []),
        .verdictMap(key: [.iifname], entries: [VerdictMapEntry(key: .string("virbr0"), verdict: .jump("guest_input"))], namedMap: nil),
        .verdictMap(key: [.ipSaddr, .tcpDport], entries: [], namedMap: "dispatch"),
        .counter, .log(prefix: "dropped: "), .log(prefix: nil), .setMark(value: 0x10, mask: 0xff), .setMark(value: 1, mask: nil),
        .setCtMark(value: 2, mask: nil), .notrack, .statement(name: "CHECKSUM", detail: "--checksum-fill"),
    ]

    static func actionCaseCount(_ actions: [Action]) -> Int {
        Set(actions.map { action -> String in
            switch action {
            case .accept: "accept"
            case .drop: "drop"
            case .reject: "reject"
            case .return: "return"
            case .jump: "jump"
            case .goto: "goto"
            case .continue: "continue"
            case .queue: "queue"
            case .masquerade: "masquerade"
            case .snat: "snat"
            case .dnat: "dnat"
            case .redirect: "redirect"
            case .verdictMap: "verdictMap"
            case .counter: "counter"
            case .log: "log"
            case .setMark: "setMark"
            case .setCtMark: "setCtMark"
            case .notrack: "notrack"
            case .statement: "statement"
            }
        }).count
    }

    static let host: HostState = {
        let rules = matchValues.enumerated().map { index, value in
            FirewallRule(position: index + 1, handle: UInt64(100 + index),
                         elements: [.match(Match(.init("x.field\(index)"), index % 2 == 0 ? .eq : .ne, value)),
                                    .action(actions[index % actions.count])],
                         counters: Counters(packets: UInt64(index), bytes: UInt64(index * 100)), comment: "rule \(index)",
                         text: "rule text \(index)")
        } + actions.enumerated().map { index, action in
            FirewallRule(position: matchValues.count + index + 1, elements: [.action(action)], text: "action \(index)")
        } + [FirewallRule(position: 99, elements: [
            .match(Match(.ctState, .eq, .flags(["new"]))),
            .unknown(UnknownElement(kind: "match", name: "hashlimit", text: "-m hashlimit --hashlimit 5/s", mayAffectVerdict: true)),
            .action(.accept),
        ], text: "-A FORWARD -m conntrack --ctstate NEW -m hashlimit --hashlimit 5/s -j ACCEPT")]
        let nftTable = FirewallTable(
            system: .nftables, family: .ip, name: "libvirt_network", handle: 7, flags: ["owner"], comment: "libvirt",
            chains: [
                FirewallChain(name: "forward", handle: 1,
                              base: BaseChain(type: .filter, hook: .forward, priority: 0, policy: .accept), rules: rules,
                              comment: "base"),
                FirewallChain(name: "guest_output", handle: 2),
            ],
            sets: [
                NamedSet(name: "allowed", handle: 3, keyType: ["ipv4_addr"], flags: ["interval"],
                         elements: [SetElement(key: .prefix(prefix("10.0.0.0/8")))]),
                NamedSet(name: "dispatch", handle: 4, keyType: ["ipv4_addr", "inet_service"], mapType: "verdict",
                         elements: [SetElement(key: .concat([.prefix(prefix("10.0.0.1/32")), .integer(22)]), verdict: .drop)]),
                NamedSet(name: "marks", keyType: ["ifname"], mapType: "mark",
                         elements: [SetElement(key: .string("eth0"), data: .integer(1))]),
            ])
        let legacyTable = FirewallTable(system: .xtables, family: .ip6, name: "filter", chains: [
            FirewallChain(name: "FORWARD", base: BaseChain(type: .filter, hook: .forward, priority: 0, policy: .drop,
                                                           policyCounters: Counters(packets: 5, bytes: 420))),
            FirewallChain(name: "ingress", base: BaseChain(type: .filter, hook: .ingress, priority: -500, policy: .accept,
                                                           devices: ["eth0"])),
        ])
        let network = LibvirtNetwork(
            name: "default", uuid: "59edfc6e-a17d-43ec-a753-d5b494eb3d25", active: true, persistent: true, autostart: true,
            forward: Forward(mode: .nat, dev: "eth0", interfaces: ["eth0"],
                             nat: NATConfig(addressStart: ip("198.51.100.10"), addressEnd: ip("198.51.100.20"),
                                            portStart: 1024, portEnd: 65535, ipv6: true)),
            bridge: BridgeConfig(name: "virbr0", stp: true, delay: 0, macTableManager: "libvirt", zone: "libvirt"),
            mac: "52:54:00:d9:67:00", mtu: 1500, domain: "example.test",
            ips: [NetworkIP(family: .ipv4, address: ip("192.168.122.1"), prefixLength: 24,
                            dhcpRanges: [.init(start: ip("192.168.122.2"), end: ip("192.168.122.254"))],
                            dhcpHosts: [.init(mac: "52:54:00:00:00:10", name: "db", ip: ip("192.168.122.10"))],
                            tftpRoot: "/srv/tftp")],
            routes: [NetworkRoute(destination: prefix("10.20.0.0/16"), gateway: ip("192.168.122.2"), metric: 5)],
            dns: DNSConfig(enabled: true, forwardPlainNames: false, forwarders: ["/corp.example/192.0.2.54"], hosts: ["192.168.122.10 db"]),
            recordedFirewallBackend: .nftables, recordedFirewallRemoval: ["nft delete rule ip libvirt_network guest_nat handle 18"],
            dnsmasq: DnsmasqState(pidFile: "/run/libvirt/network/default.pid", pid: 812, running: true,
                                  configFile: "/var/lib/libvirt/dnsmasq/default.conf", leaseCount: 3),
            sourceFiles: ["/etc/libvirt/qemu/networks/default.xml", "/run/libvirt/network/default.xml"])
        return HostState(
            hostname: "hv1", kernelRelease: "6.1.0-28-amd64", collectedAt: Date(timeIntervalSince1970: 1_763_850_000),
            coverage: Coverage(links: .live, routes: .live, sysctls: .live, nftables: .live, legacyIPv4: .file,
                               legacyIPv6: .notCollected, libvirt: .live, listeners: .live),
            links: [
                Link(index: 3, name: "virbr0", kind: .bridge, mac: "52:54:00:d9:67:00", mtu: 1500, operState: .up,
                     adminUp: true, carrier: true, bridge: BridgeInfo(stpEnabled: true, vlanFiltering: false, forwardDelay: 200,
                                                                      nfCallIptables: true, nfCallIp6tables: false,
                                                                      nfCallArptables: false, ports: ["vnet0"]),
                     bpfPrograms: [BPFAttachment(hook: .xdp, xdpMode: .generic, programID: 101),
                                   BPFAttachment(hook: .xdp, xdpMode: .offload, programID: 102)]),
                Link(index: 9, name: "vnet0", kind: .tap, kindName: "tun", mac: "fe:54:00:aa:bb:cc", mtu: 1500,
                     operState: .lowerLayerDown, adminUp: true, carrier: false, master: "virbr0", parent: "eth0",
                     peerInOtherNamespace: true, vlanID: 10, macvlanMode: "bridge", wireless: true,
                     bridgePort: BridgePortInfo(bridge: "virbr0", stpState: .forwarding, cost: 100, priority: 32,
                                                learning: true, isolated: false),
                     bpfPrograms: [BPFAttachment(hook: .tcIngress, programID: 7, name: "guard.o:[tc]", tcPriority: 49152,
                                                 tcHandle: 1, directAction: true),
                                   BPFAttachment(hook: .tcEgress, tcPriority: 1, tcHandle: 0x800,
                                                 directAction: false, classicInstructions: 4)]),
            ],
            addresses: [InterfaceAddress(linkName: "virbr0", linkIndex: 3, address: ip("192.168.122.1"), prefixLength: 24,
                                         scope: .global, flags: ["permanent"])],
            routes: [Route(family: .ipv4, table: Route.mainTable, type: .unicast, destination: prefix("0.0.0.0/0"),
                           preferredSource: ip("203.0.113.2"), protocolName: "dhcp", scope: "universe", metric: 100,
                           nextHops: [.init(gateway: ip("203.0.113.1"), device: "eth0", weight: 1),
                                      .init(gateway: nil, device: "eth1")])],
            policyRules: [PolicyRule(family: .ipv6, priority: 100, action: "lookup", table: 200, from: prefix("fd00::/8"),
                                     to: prefix("::/0"), inputInterface: "virbr0", outputInterface: "eth0", fwmark: 1,
                                     fwmask: 0xff, invert: true)],
            sysctls: Sysctls(values: ["net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "0"]),
            firewall: Firewall(tables: [nftTable, legacyTable]),
            libvirt: LibvirtState(configuredFirewallBackend: .nftables, networks: [network], unmanagedBridges: ["br0"]),
            listeners: [Listener(transport: .udp, address: ip("192.168.122.1"), port: 53, boundDevice: "virbr0",
                                 processes: [.init(pid: 812, command: "dnsmasq")])],
            notes: [CollectionNote(.info, source: "libvirt", "i"), CollectionNote(.warning, source: "nftables", "w"),
                    CollectionNote(.error, source: "libiptc", "e")])
    }()

    static let raw: [RawSource] = [
        RawSource(bundlePath: "libvirt/run/network/default.xml", origin: "/run/libvirt/network/default.xml",
                  contents: Data("<networkstatus><network><name>default</name></network></networkstatus>\n".utf8)),
        RawSource(bundlePath: "firewall/iptables-legacy.save", origin: "libiptc ipv4",
                  contents: Data("*filter\n:FORWARD DROP [5:420]\nCOMMIT\n".utf8)),
        RawSource(bundlePath: "firewall/empty", origin: "nothing", contents: Data()),
        RawSource(bundlePath: "firewall/binary.bin", origin: "netlink dump", contents: Data((0...255).map { UInt8($0) })),
    ]
}
