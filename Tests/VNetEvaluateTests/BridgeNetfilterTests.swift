import Foundation
import Testing
import VNetModel
import VNetEvaluate

/// Frames bridged between two ports, br_netfilter's `bridge-nf-call-*`, and `-m physdev`.
@Suite struct BridgeNetfilterTests {
    private static let links: [Link] = [
        Link(index: 2, name: "eth0", kind: .physical, mtu: 1500, operState: .up, adminUp: true, carrier: true),
        Link(index: 3, name: "virbr0", kind: .bridge, mtu: 1500, operState: .up, adminUp: true, carrier: true,
             bridge: BridgeInfo(stpEnabled: false, vlanFiltering: false, ports: ["vnet0", "vnet1"])),
        Link(index: 4, name: "vnet0", kind: .tap, mtu: 1500, operState: .up, adminUp: true, carrier: true, master: "virbr0"),
        Link(index: 5, name: "vnet1", kind: .tap, mtu: 1500, operState: .up, adminUp: true, carrier: true, master: "virbr0"),
    ]

    private static func host(callIptables: String? = "1", tables: [FirewallTable], links: [Link] = links,
                             sysctlsCollected: Bool = true) -> HostState {
        var sysctls = ["net.ipv4.ip_forward": "1"]
        sysctls["net.bridge.bridge-nf-call-iptables"] = callIptables
        return HostBuild.host(sysctls: sysctls, firewall: Firewall(tables: tables), links: links,
                              coverage: Coverage(links: .live, routes: .live, sysctls: sysctlsCollected ? .live : .notCollected))
    }

    /// Guest 192.168.122.11 on vnet0 to guest 192.168.122.12 on vnet1.
    private static let guestToGuest = PacketProbe(
        inInterface: nil, outInterface: nil, source: Build.address("192.168.122.11"),
        destination: Build.address("192.168.122.12"), l4Protocol: 6, sourcePort: 40000, destinationPort: 22,
        bridgePortIn: "vnet0", bridgePortOut: "vnet1")

    /// An ip filter FORWARD chain that drops everything but what `accepting` lets through.
    private static func forwardDroppingAllBut(_ accepting: Match..., text: String) -> FirewallTable {
        Build.table("filter", system: .xtables, [Build.base("FORWARD", .forward, policy: .drop, [
            FirewallRule(position: 1, elements: accepting.map { .match($0) } + [.action(.accept)], text: text),
        ])])
    }

    @Test func bridgedFramesMeetTheIPHooksWithTheBridgeAsBothInterfaces() {
        let filter = Self.forwardDroppingAllBut(Match(.iifname, .eq, .string("virbr0")), Match(.oifname, .eq, .string("virbr0")),
                                                text: "-A FORWARD -i virbr0 -o virbr0 -j ACCEPT")
        let path = planBridgedPath(Self.guestToGuest, bridge: "virbr0", on: Self.host(tables: [filter]))
        #expect(path.fate == .accepted)
        #expect(path.hooks == [.ingress, .prerouting, .forward, .postrouting])
        #expect(path.routing.isEmpty)
        #expect(path.evidence.contains("net.bridge.bridge-nf-call-iptables = 1: br_netfilter runs the ip hooks for frames bridged by virbr0"))
    }

    @Test func withBridgeNfCallOffTheIPHooksDoNotSeeBridgedFrames() {
        let dropAll = Self.forwardDroppingAllBut(Match(.iifname, .eq, .string("nothing")), text: "-A FORWARD -i nothing -j ACCEPT")
        let path = planBridgedPath(Self.guestToGuest, bridge: "virbr0", on: Self.host(callIptables: "0", tables: [dropAll]))
        #expect(path.fate == .accepted)
        #expect(path.hooks == [.ingress])
        #expect(path.evidence.last == "net.bridge.bridge-nf-call-iptables = 0: the ip hooks do not see frames bridged by virbr0")
        let on = planBridgedPath(Self.guestToGuest, bridge: "virbr0", on: Self.host(tables: [dropAll]))
        #expect(on.fate == .dropped)
    }

    @Test func theBridgesOwnOptionTurnsTheIPHooksOnWhenTheSysctlIsOff() {
        var links = Self.links
        links[1].bridge?.nfCallIptables = true
        let dropAll = Self.forwardDroppingAllBut(Match(.iifname, .eq, .string("nothing")), text: "-A FORWARD -i nothing -j ACCEPT")
        let path = planBridgedPath(Self.guestToGuest, bridge: "virbr0", on: Self.host(callIptables: "0", tables: [dropAll], links: links))
        #expect(path.fate == .dropped)
    }

    @Test func anUnrecordedBridgeNfCallMakesTheFateUnknownNamingTheSysctl() {
        let path = planBridgedPath(Self.guestToGuest, bridge: "virbr0",
                                   on: Self.host(callIptables: nil, tables: [], sysctlsCollected: false))
        #expect(path.fate == .unknown)
        #expect(path.evidence.last == "net.bridge.bridge-nf-call-iptables was not recorded: whether the ip hooks see frames bridged by virbr0 is unknown")
        let report = PathReport(path, probe: Self.guestToGuest)
        #expect(report.unknownBecause.contains { $0.contains("net.bridge.bridge-nf-call-iptables") })
    }

    @Test func anAbsentKeyOnACollectedHostMeansBrNetfilterIsNotLoaded() {
        let dropAll = Self.forwardDroppingAllBut(Match(.iifname, .eq, .string("nothing")), text: "-A FORWARD -i nothing -j ACCEPT")
        let path = planBridgedPath(Self.guestToGuest, bridge: "virbr0", on: Self.host(callIptables: nil, tables: [dropAll]))
        #expect(path.fate == .accepted)
        #expect(path.evidence.last?.contains("br_netfilter not loaded") == true)
    }

    @Test func physdevOfABridgedFrameNamesBothPortsAndTheOutPortOnlyFromForward() {
        // Each rule drops when its test does NOT hold as the kernel says it holds for this frame.
        func fate(_ match: Match, at hook: Hook) -> PacketFate {
            let table = Build.table("filter", system: .xtables, [Build.base(hook.rawValue, hook, policy: .drop, [
                Build.rule(1, .match(match), .action(.accept), text: "test"),
            ])])
            return planBridgedPath(Self.guestToGuest, bridge: "virbr0", on: Self.host(tables: [table])).fate
        }
        #expect(fate(Match(.physdevIn, .eq, .string("vnet0")), at: .prerouting) == .accepted)
        #expect(fate(Match(.physdevIn, .eq, .wildcard(prefix: "vnet")), at: .forward) == .accepted)
        #expect(fate(Match(.physdevIn, .ne, .string("vnet0")), at: .forward) == .dropped)
        #expect(fate(Match(.physdevOut, .eq, .string("vnet1")), at: .forward) == .accepted)
        #expect(fate(Match(.physdevOut, .eq, .string("vnet1")), at: .postrouting) == .accepted)
        // Before the bridge chose the out-port, physdev-out fails whether negated or not.
        #expect(fate(Match(.physdevOut, .eq, .string("vnet1")), at: .prerouting) == .dropped)
        #expect(fate(Match(.physdevOut, .ne, .string("vnet1")), at: .prerouting) == .dropped)
        #expect(fate(Match(.physdevIsBridged, .eq, .bool(true)), at: .forward) == .accepted)
        #expect(fate(Match(.physdevIsBridged, .eq, .bool(true)), at: .prerouting) == .dropped)
        #expect(fate(Match(.physdevIsIn, .eq, .bool(true)), at: .prerouting) == .accepted)
        #expect(fate(Match(.physdevIsOut, .ne, .bool(true)), at: .forward) == .dropped)
    }

    private static func guestToLAN(port: String? = "vnet0") -> PacketProbe {
        PacketProbe(inInterface: "virbr0", outInterface: nil, source: Build.address("192.168.122.11"),
                    destination: Build.address("93.184.216.34"), l4Protocol: 6, sourcePort: 40000,
                    destinationPort: 443, bridgePortIn: port)
    }

    @Test func aRoutedPacketFromABridgePortHasAnInPortButIsNotBridged() {
        let rules = Build.table("filter", system: .xtables, [Build.base("FORWARD", .forward, policy: .drop, [
            Build.rule(1, .match(Match(.physdevIsBridged, .eq, .bool(true))), .action(.drop), text: "-m physdev --physdev-is-bridged -j DROP"),
            Build.rule(2, .match(Match(.physdevIn, .eq, .string("vnet0"))), .action(.accept), text: "-m physdev --physdev-in vnet0 -j ACCEPT"),
        ])])
        let path = planPath(Self.guestToLAN(), on: Self.host(tables: [rules]))
        #expect(path.fate == .accepted)
        #expect(path.firewall.steps.last?.hits.map(\.position) == [2])
        // Without the port named, physdev-in cannot be decided.
        #expect(planPath(Self.guestToLAN(port: nil), on: Self.host(tables: [rules])).fate == .unknown)
        // With br_netfilter off the packet carries no bridge information: positive tests fail.
        #expect(planPath(Self.guestToLAN(), on: Self.host(callIptables: "0", tables: [rules])).fate == .dropped)
    }

    @Test func aPacketFromANonBridgeOrAPortlessBridgeHasNoBridgeInformation() {
        let rules = Build.table("filter", system: .xtables, [Build.base("FORWARD", .forward, policy: .drop, [
            Build.rule(1, .match(Match(.physdevIsIn, .ne, .bool(true))), .action(.accept), text: "-m physdev ! --physdev-is-in -j ACCEPT"),
        ])])
        var inbound = Self.guestToLAN(port: nil)
        (inbound.inInterface, inbound.source, inbound.destination) = ("eth0", Build.address("93.184.216.34"), Build.address("192.168.122.11"))
        #expect(planPath(inbound, on: Self.host(tables: [rules])).fate == .accepted)
        var portless = Self.links
        portless[1].bridge?.ports = []
        #expect(planPath(Self.guestToLAN(port: nil), on: Self.host(tables: [rules], links: portless)).fate == .accepted)
        #expect(planPath(Self.guestToLAN(port: nil), on: Self.host(tables: [rules])).fate == .dropped)
    }

    @Test func bridgeTablesSeeThePortsAndRunAroundTheIPHooksByPriority() {
        let bridgeFilter = FirewallTable(system: .nftables, family: .bridge, name: "br", chains: [
            Build.base("fwd", .forward, priority: -200, [
                Build.rule(1, .match(Match(.iifname, .eq, .string("vnet0"))), .match(Match(.oifname, .eq, .string("vnet1"))),
                           .action(.drop), text: "iifname vnet0 oifname vnet1 drop"),
            ]),
        ])
        let path = planBridgedPath(Self.guestToGuest, bridge: "virbr0", on: Self.host(tables: [bridgeFilter]))
        #expect(path.fate == .dropped)
        #expect(path.firewall.steps.map(\.family) == [.bridge])
        // The bridge chain below br_netfilter's priority runs before the ip FORWARD chain.
        let ipAccept = Build.table("f", [Build.base("fwd", .forward, [Build.rule(1, .action(.accept), text: "accept")])])
        let both = planBridgedPath(Self.guestToGuest, bridge: "virbr0", on: Self.host(tables: [ipAccept, bridgeFilter]))
        #expect(both.hooks == [.ingress, .prerouting, .forward])
        #expect(both.firewall.steps.map(\.family) == [.bridge])
    }
}
