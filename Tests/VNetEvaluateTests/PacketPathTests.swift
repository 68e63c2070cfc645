import Testing
import VNetModel
import VNetEvaluate

/// The hooks a packet meets around the routing decision, and the forwarding sysctls.
@Suite struct PacketPathTests {
    private func probe(from source: String, to destination: String, in interface: String? = "virbr0",
                       dport: UInt16 = 443) -> PacketProbe {
        PacketProbe(inInterface: interface, outInterface: nil, source: Build.address(source),
                    destination: Build.address(destination), l4Protocol: 6, sourcePort: 40000, destinationPort: dport)
    }

    @Test func guestToLANIsForwardedOutOfTheDefaultRoutesDevice() {
        let path = planPath(probe(from: "192.168.122.11", to: "93.184.216.34"), on: HostBuild.host())
        #expect(path.fate == .accepted)
        #expect(path.hooks == [.ingress, .prerouting, .forward, .postrouting])
        #expect(path.firewall.packet?.outInterface == "eth0")
    }

    @Test func guestToTheBridgeAddressGoesToInput() {
        let path = planPath(probe(from: "192.168.122.11", to: "192.168.122.1", dport: 53), on: HostBuild.host())
        #expect(path.fate == .accepted)
        #expect(path.hooks == [.ingress, .prerouting, .input])
        #expect(path.routing.first?.outcome == .local(device: "virbr0"))
    }

    @Test func forwardingOffDropsNamingTheSysctl() {
        let host = HostBuild.host(sysctls: ["net.ipv4.ip_forward": "0"])
        let path = planPath(probe(from: "192.168.122.11", to: "93.184.216.34"), on: host)
        #expect(path.fate == .dropped)
        #expect(path.hooks == [.ingress, .prerouting])
        #expect(path.evidence == ["net.ipv4.ip_forward = 0: the host does not forward"])
    }

    @Test func ipv6ForwardingUnrecordedIsUnknown() {
        let host = HostBuild.host(sysctls: ["net.ipv4.ip_forward": "1"])
        let path = planPath(probe(from: "2001:db8:2::11", to: "2001:db8:9::1"), on: host)
        #expect(path.fate == .unknown)
        #expect(path.evidence == ["net.ipv6.conf.all.forwarding was not recorded: forwarding unknown"])
    }

    @Test func blackholeRouteDropsWithTheRouteAsEvidence() {
        let host = HostBuild.host(routes: HostBuild.routes + [HostBuild.route("198.51.100.0/24", type: .blackhole)])
        let path = planPath(probe(from: "192.168.122.11", to: "198.51.100.1"), on: host)
        #expect(path.fate == .dropped)
        #expect(path.evidence == ["routing: blackhole route 198.51.100.0/24 in table 254"])
    }

    @Test func dnatInPreroutingRoutesToTheNewDestination() {
        let target = Build.address("192.168.122.11")
        let dnat = Build.table("nat", [Build.base("pre", .prerouting, priority: -100, type: .nat, [
            Build.rule(1, .action(.dnat(addresses: AddressRange(low: target, high: target), ports: nil, flags: [])),
                       text: "dnat to 192.168.122.11"),
        ])])
        let path = planPath(probe(from: "93.184.216.34", to: "10.0.0.5", in: "eth0"),
                            on: HostBuild.host(firewall: Firewall(tables: [dnat])))
        #expect(path.hooks == [.ingress, .prerouting, .forward, .postrouting])
        #expect(path.firewall.packet?.outInterface == "virbr0")
    }

    @Test func locallyGeneratedMeetsOutputThenPostrouting() {
        let path = planPath(probe(from: "10.0.0.5", to: "93.184.216.34", in: nil), on: HostBuild.host())
        #expect(path.fate == .accepted)
        #expect(path.hooks == [.output, .postrouting])
        #expect(path.firewall.packet?.outInterface == "eth0")
    }

    @Test func markSetInPreroutingSteersPolicyRouting() {
        let mangle = Build.table("mangle", [Build.base("pre", .prerouting, priority: -150, [
            Build.rule(1, .action(.setMark(value: 0x1, mask: nil)), text: "meta mark set 0x1"),
        ])])
        let rules = [PolicyRule(family: .ipv4, priority: 0, action: "lookup", table: Route.localTable),
                     PolicyRule(family: .ipv4, priority: 100, action: "lookup", table: 100, fwmark: 0x1),
                     PolicyRule(family: .ipv4, priority: 32766, action: "lookup", table: Route.mainTable)]
        let routes = HostBuild.routes + [HostBuild.route("0.0.0.0/0", table: 100, via: "172.16.0.1", dev: "wg0")]
        let path = planPath(probe(from: "192.168.122.11", to: "93.184.216.34"),
                            on: HostBuild.host(routes: routes, rules: rules, firewall: Firewall(tables: [mangle])))
        #expect(path.firewall.packet?.outInterface == "wg0")
    }

    @Test func firewallDropInForwardEndsThePath() {
        let filter = Build.table("filter", [Build.base("fwd", .forward, policy: .drop, [])])
        let path = planPath(probe(from: "192.168.122.11", to: "93.184.216.34"),
                            on: HostBuild.host(firewall: Firewall(tables: [filter])))
        #expect(path.fate == .dropped)
        #expect(path.hooks == [.ingress, .prerouting, .forward])
    }

    @Test func redirectInOutputReroutesToTheHostItself() {
        let redirect = Build.table("nat", [Build.base("out", .output, priority: -100, type: .nat, [
            Build.rule(1, .action(.redirect(ports: PortRange(low: 8080, high: 8080), flags: [])), text: "redirect to :8080"),
        ])])
        let path = planPath(probe(from: "10.0.0.5", to: "93.184.216.34", in: nil),
                            on: HostBuild.host(firewall: Firewall(tables: [redirect])))
        #expect(path.hooks == [.output, .postrouting, .prerouting, .input])
        #expect(path.evidence.contains("redirected to the host itself: delivered locally"))
        #expect(path.firewall.packet?.inInterface == "lo")
    }

    @Test func ingressChainOfTheDeviceCanDrop() {
        let ingress = FirewallChain(name: "in", base: BaseChain(type: .filter, hook: .ingress, priority: 0, policy: .drop,
                                                                devices: ["virbr0"]), rules: [])
        let path = planPath(probe(from: "192.168.122.11", to: "93.184.216.34"),
                            on: HostBuild.host(firewall: Firewall(tables: [Build.table("t", family: .inet, [ingress])])))
        #expect(path.fate == .dropped)
        #expect(path.hooks == [.ingress])
        #expect(path.routing.isEmpty)
    }

    @Test func locallyGeneratedForTheHostLoopsBackThroughInputWithoutNat() {
        let dnat = Build.table("nat", [Build.base("pre", .prerouting, priority: -100, type: .nat, [
            Build.rule(1, .action(.dnat(addresses: AddressRange(low: Build.address("192.168.122.11"),
                                                                high: Build.address("192.168.122.11")), ports: nil, flags: [])),
                       text: "dnat to 192.168.122.11"),
        ])])
        let filter = Build.table("filter", [Build.base("in", .input, policy: .drop, [])])
        let path = planPath(probe(from: "10.0.0.5", to: "192.168.122.1", in: nil, dport: 22),
                            on: HostBuild.host(firewall: Firewall(tables: [dnat, filter])))
        #expect(path.hooks == [.output, .postrouting, .prerouting, .input])
        #expect(path.firewall.translatedDestination == nil)
        #expect(path.fate == .dropped)
    }
}
