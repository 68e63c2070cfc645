import Foundation
import Testing
import VNetModel
@testable import VNetProbe

/// A host like the lab's: virbr0 (nat, DHCP .100-.199, one static host), virbr3 (isolated), br0
/// (bridge mode), default routes through eth-up.
private func labLikeHost() -> HostState {
    let a = { (s: String) in IPAddress(s)! }
    let nat = LibvirtNetwork(name: "default", active: true, persistent: true, autostart: true, forward: Forward(mode: .nat),
                             bridge: BridgeConfig(name: "virbr0"),
                             ips: [NetworkIP(family: .ipv4, address: a("192.168.122.1"), prefixLength: 24,
                                             dhcpRanges: [.init(start: a("192.168.122.100"), end: a("192.168.122.199"))],
                                             dhcpHosts: [.init(mac: "52:54:00:00:00:01", name: "pinned", ip: a("192.168.122.254"))]),
                                   NetworkIP(family: .ipv6, address: a("fd00:122::1"), prefixLength: 64)])
    let isolated = LibvirtNetwork(name: "isolated", active: true, persistent: true, autostart: true, forward: Forward(mode: .isolated),
                                  bridge: BridgeConfig(name: "virbr3"),
                                  ips: [NetworkIP(family: .ipv4, address: a("192.168.140.1"), prefixLength: 24)])
    let bridged = LibvirtNetwork(name: "hostbridge", active: true, persistent: true, autostart: true, forward: Forward(mode: .bridge),
                                 bridge: BridgeConfig(name: "br0"))
    let stopped = LibvirtNetwork(name: "stopped", active: false, persistent: true, autostart: false, forward: Forward(mode: .nat),
                                 bridge: BridgeConfig(name: "virbr9"))
    let route = { (family: AddressFamily, gateway: String) in
        Route(family: family, table: Route.mainTable, type: .unicast, destination: IPPrefix(family == .ipv4 ? "0.0.0.0/0" : "::/0")!,
              protocolName: "static", scope: "universe", nextHops: [.init(gateway: a(gateway), device: "eth-up")])
    }
    return HostState(hostname: "hv", collectedAt: Date(timeIntervalSince1970: 0),
                     addresses: [InterfaceAddress(linkName: "virbr0", linkIndex: 5, address: a("192.168.122.1"), prefixLength: 24, scope: .global),
                                 InterfaceAddress(linkName: "eth-up", linkIndex: 2, address: a("203.0.113.2"), prefixLength: 24, scope: .global)],
                     routes: [route(.ipv4, "203.0.113.1"), route(.ipv6, "2001:db8:100::1")],
                     libvirt: LibvirtState(networks: [nat, isolated, bridged, stopped]))
}

@Suite("Probe plans")
struct ProbePlanTests {
    @Test("each network with a bridge of its own gets a port; bridge mode and inactive networks are skipped with a reason")
    func portsAndSkips() {
        let host = labLikeHost()
        let planned = ProbePlan.plans(networks: host.libvirt.networks, host: host, targets: [], inUse: [])
        #expect(planned.ports.map(\.network) == ["default", "isolated"])
        #expect(planned.ports.map(\.bridge) == ["virbr0", "virbr3"])
        #expect(Set(planned.skipped.map(\.network)) == ["hostbridge", "stopped"])
        #expect(planned.skipped.first { $0.network == "hostbridge" }?.reason.contains("bridge") == true)
    }

    @Test("default targets are the uplink's gateways, per family; the isolated network aims at the default route's gateway")
    func defaultTargets() {
        let host = labLikeHost()
        let ports = ProbePlan.plans(networks: host.libvirt.networks, host: host, targets: [], inUse: []).ports
        let nat = ports[0]
        #expect(nat.families.map(\.family) == [.ipv4, .ipv6])
        #expect(nat.families[0].targets == [ProbeTarget(address: IPAddress("203.0.113.1")!)])
        #expect(nat.families[1].targets == [ProbeTarget(address: IPAddress("2001:db8:100::1")!)])
        #expect(nat.families[0].hostAddress == IPAddress("192.168.122.1")!)
        #expect(nat.families[0].servesDHCP && !nat.families[1].servesDHCP)
        #expect(ports[1].families[0].targets.map(\.address) == [IPAddress("203.0.113.1")!])
    }

    @Test("--probe-target replaces the gateways, matched by family")
    func namedTargets() {
        let host = labLikeHost()
        let target = ProbeTarget(argument: "198.51.100.7:8080")!
        let nat = ProbePlan.plans(networks: host.libvirt.networks, host: host, targets: [target], inUse: []).ports[0]
        #expect(nat.families[0].targets == [target])
        #expect(nat.families[1].targets.isEmpty)
    }

    @Test("candidates: top of the subnet down, skipping the broadcast, static hosts, leases, host addresses, then the DHCP range last")
    func candidates() {
        let host = labLikeHost()
        let leased = IPAddress("192.168.122.252")!
        let family = ProbePlan.plans(networks: host.libvirt.networks, host: host, targets: [], inUse: [leased]).ports[0].families[0]
        #expect(family.candidates.first == IPAddress("192.168.122.253")!)  // .255 broadcast, .254 static, .252 leased
        #expect(!family.candidates.contains(leased))
        #expect(family.candidates.allSatisfy { IPPrefix("192.168.122.0/24")!.contains($0) })
        #expect(!family.candidates.contains { $0 >= IPAddress("192.168.122.100")! && $0 <= IPAddress("192.168.122.199")! })

        let tiny = ProbePlan.candidates(in: IPPrefix("10.0.0.0/29")!, avoiding: [IPAddress("10.0.0.1")!],
                                        ranges: [.init(start: IPAddress("10.0.0.2")!, end: IPAddress("10.0.0.6")!)])
        // Only range addresses exist: they are offered after none outside is left.
        #expect(tiny == (2...6).reversed().map { IPAddress("10.0.0.\($0)")! })
    }

    @Test("a /64 gets recognizable addresses inside the prefix")
    func ipv6Candidates() {
        let prefix = IPPrefix("fd00:122::/64")!
        let list = ProbePlan.candidates(in: prefix, avoiding: [], ranges: [])
        #expect(list.first == IPAddress("fd00:122::766e:6170:0:1")!)
        #expect(list.count == ProbePlan.candidateCount && list.allSatisfy(prefix.contains))
    }

    @Test("targets parse as ADDR, ADDR:PORT, [V6]:PORT and bare IPv6; nonsense is refused")
    func targetArguments() {
        #expect(ProbeTarget(argument: "203.0.113.1") == ProbeTarget(address: IPAddress("203.0.113.1")!))
        #expect(ProbeTarget(argument: "203.0.113.1:8080")?.port == 8080)
        #expect(ProbeTarget(argument: "[2001:db8::1]:443") == ProbeTarget(address: IPAddress("2001:db8::1")!, port: 443))
        #expect(ProbeTarget(argument: "2001:db8::1")?.port == nil)
        for bad in ["", "host.example", "203.0.113.1:0", "203.0.113.1:70000", "[2001:db8::1]x", "[203.0.113.1]:80"] {
            #expect(ProbeTarget(argument: bad) == nil, "\(bad)")
        }
        #expect(ProbeTarget(argument: "[2001:db8::1]:443")?.description == "[2001:db8::1]:443")
    }

    @Test("probe link names fit IFNAMSIZ and give back their pid; other names are not probes'")
    func names() {
        let name = ProbeNames.hostLink(pid: 4_194_304, index: 11)
        #expect(name.count <= 15)
        #expect(ProbeNames.pid(ofHostLink: name) == 4_194_304)
        for other in ["vnet0", "vnap", "vnapx-1", "vnap12-", "virbr0"] { #expect(ProbeNames.pid(ofHostLink: other) == nil, "\(other)") }
        #expect(ProbeNames.innerMAC(pid: 0x01_0203, index: 4) == [0x02, 0x76, 0x01, 0x02, 0x03, 0x04])
    }

    @Test("ICMP checksum (RFC 1071) of an echo request verifies to zero")
    func checksum() {
        var message: [UInt8] = [8, 0, 0, 0, 0x12, 0x34, 0, 1] + Array("vnetaudit probe".utf8)
        let sum = ProbeSender.internetChecksum(message)
        message[2] = UInt8(sum >> 8); message[3] = UInt8(sum & 0xff)
        #expect(ProbeSender.internetChecksum(message) == 0)
    }
}
