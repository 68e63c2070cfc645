import Foundation
import Testing
import VNetModel
@testable import VNetCollect
import VNetTestSupport

/// Reads a namespace built with `ip` and compares with what was built and with `ip -j` (the oracle,
/// used in tests only).
@Suite(.enabled(if: Shell.isRoot, "needs root for network namespaces"))
struct NetlinkRouteReaderTests {
    /// A namespace with a bridge (STP off) and ports, macvlan/macvtap/vxlan on an uplink veth, a tap
    /// and a tun, a veth whose peer is in another namespace, addresses, routes in two tables
    /// (multipath included) and policy rules.
    private final class Fixture: @unchecked Sendable {
        let ns: TemporaryNamespace
        let other: TemporaryNamespace

        init() throws {
            ns = try TemporaryNamespace("nl")
            other = try TemporaryNamespace("nlpeer")
            try ns.sh("""
                # Link-local addresses become final at once, so two reads see the same state.
                sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
                ip link add br0 type bridge stp_state 0 forward_delay 1500
                ip link add vb0 type veth peer name vb0p
                ip link set vb0 master br0
                ip link set dev vb0 type bridge_slave cost 7 priority 9 learning off isolated on
                ip link add vb1 type veth peer name vb1p
                ip link set vb1 master br0
                ip link add up0 type veth peer name up0p
                ip link set up0 mtu 1400 address 52:54:00:aa:bb:cc
                ip link add mv0 link up0 type macvlan mode bridge
                ip link add mvt0 link up0 type macvtap mode vepa
                ip link add vx0 type vxlan id 42 dstport 4789 dev up0
                ip tuntap add tap0 mode tap
                ip tuntap add tun0 mode tun
                ip link add v0.5 type veth peer name p0.5
                ip link add xo0 type veth peer name xo1 netns \(other.name)
                for l in br0 vb0 vb0p vb1 vb1p up0 up0p mv0 v0.5 p0.5 xo0; do ip link set $l up; done
                ip addr add 10.10.0.1/24 dev br0
                ip addr add 2001:db8:10::1/64 dev br0 nodad
                ip addr add 192.0.2.2/24 dev up0
                ip addr add 198.51.100.9/24 dev up0
                ip addr add 2001:db8:1::2/64 dev up0 nodad
                ip route add default via 192.0.2.1
                ip route add 10.30.0.0/24 via 10.10.0.2 metric 50
                ip route add 10.40.0.0/24 nexthop via 10.10.0.2 weight 1 nexthop via 192.0.2.1 weight 3
                ip route add 10.50.0.0/24 dev up0 table 100
                ip route add blackhole 10.66.0.0/16 table 100
                ip -6 route add 2001:db8:99::/64 via 2001:db8:10::2
                ip -6 route add 2001:db8:98::/64 nexthop via 2001:db8:10::2 nexthop via 2001:db8:1::1
                ip -6 route add unreachable 2001:db8:97::/64 table 100
                ip rule add from 10.10.0.0/24 lookup 100 priority 1000
                ip rule add fwmark 0x10/0xff lookup 100 priority 1001
                ip rule add not to 10.0.0.0/8 iif br0 prohibit priority 1002
                ip rule add oif up0 lookup main priority 1003
                ip rule add lookup main suppress_prefixlength 0 priority 1004
                ip rule add ipproto tcp dport 443 lookup 100 priority 1005
                ip -6 rule add from 2001:db8:10::/64 lookup 100 priority 1000
                """)
        }

        func read() throws -> RouteState {
            try NetworkNamespace.run(named: ns.name) { try NetlinkRouteReader().read() }
        }

        /// `ip -j ARGS` inside the namespace, as a list of JSON objects.
        func ipJSON(_ arguments: String) throws -> [[String: Any]] {
            let text = try ns.exec(["ip", "-j"] + arguments.split(separator: " ").map(String.init))
            return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
        }

        /// Everything `ip` shows of the namespace, to prove reading changes nothing (bridge timers,
        /// which run on their own, left out).
        func ipState() throws -> String {
            try ns.sh("ip -d link show | sed -E 's/[a-z_]+_timer +[0-9.]+//g'; ip addr show; ip route show table all; ip -6 route show table all; ip rule show; ip -6 rule show; sysctl -a 2>/dev/null | grep '^net\\.ipv[46]\\.conf' | sort")
        }
    }

    @Test func linksMatchWhatWasBuilt() throws {
        let fixture = try Fixture()
        let state = try fixture.read()
        let links = Dictionary(state.links.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(state.links.map(\.index) == state.links.map(\.index).sorted())
        #expect(state.notes == [])

        #expect(links["lo"]?.kind == .loopback)
        let bridge = try #require(links["br0"])
        #expect(bridge.kind == .bridge)
        #expect(bridge.bridge == BridgeInfo(stpEnabled: false, vlanFiltering: false, forwardDelay: 1500,
                                            nfCallIptables: bridge.bridge?.nfCallIptables,
                                            nfCallIp6tables: bridge.bridge?.nfCallIp6tables,
                                            nfCallArptables: bridge.bridge?.nfCallArptables, ports: ["vb0", "vb1"]))
        #expect(bridge.adminUp && bridge.carrier && bridge.operState == .up)

        let port = try #require(links["vb0"])
        #expect(port.kind == .veth && port.master == "br0" && port.parent == nil && !port.peerInOtherNamespace)
        // STP off: a port with carrier forwards at once.
        #expect(port.bridgePort == BridgePortInfo(bridge: "br0", stpState: .forwarding, cost: 7, priority: 9,
                                                  learning: false, isolated: true))
        #expect(links["vb1"]?.bridgePort?.learning == true)
        #expect(links["vb1"]?.bridgePort?.isolated == false)
        #expect(links["vb0p"]?.bridgePort == nil && links["vb0p"]?.master == nil)

        let uplink = try #require(links["up0"])
        #expect(uplink.mtu == 1400 && uplink.mac == "52:54:00:aa:bb:cc")
        #expect(links["mv0"]?.kind == .macvlan && links["mv0"]?.macvlanMode == "bridge" && links["mv0"]?.parent == "up0")
        #expect(links["mvt0"]?.kind == .macvtap && links["mvt0"]?.macvlanMode == "vepa" && links["mvt0"]?.parent == "up0")
        #expect(links["mvt0"]?.adminUp == false)
        #expect(links["vx0"]?.kind == .vxlan)
        #expect(links["tap0"]?.kind == .tap)
        #expect(links["tun0"]?.kind == .tun && links["tun0"]?.mac == nil)
        #expect(links["xo0"]?.peerInOtherNamespace == true && links["xo0"]?.parent == nil)
        #expect(links["v0.5"]?.kind == .veth)
        #expect(state.links.allSatisfy { !$0.wireless && $0.vlanID == nil && $0.kindName == nil })
    }

    @Test func linksAgreeWithIpJSON() throws {
        let fixture = try Fixture()
        let state = try fixture.read()
        let oracle = try fixture.ipJSON("-d link show")
        #expect(state.links.count == oracle.count)
        for entry in oracle {
            let name = entry["ifname"] as? String ?? "?"
            guard let link = state.links.first(where: { $0.name == name }) else {
                Issue.record("link \(name) missing")
                continue
            }
            #expect(link.index == entry["ifindex"] as? Int, "\(name)")
            #expect(link.mtu == entry["mtu"] as? Int, "\(name)")
            #expect(link.master == entry["master"] as? String, "\(name)")
            #expect(link.operState.rawValue == (entry["operstate"] as? String)?.lowercased(), "\(name)")
            #expect(link.mac == entry["address"] as? String, "\(name)")
            let flags = entry["flags"] as? [String] ?? []
            #expect(link.adminUp == flags.contains("UP"), "\(name)")
            #expect(link.carrier == flags.contains("LOWER_UP"), "\(name)")
        }
    }

    @Test func addressesAgreeWithIpJSON() throws {
        let fixture = try Fixture()
        let state = try fixture.read()
        var expected: Set<String> = []
        for entry in try fixture.ipJSON("addr show") {
            for info in entry["addr_info"] as? [[String: Any]] ?? [] {
                expected.insert("\(entry["ifname"] ?? "?") \(info["local"] ?? "?")/\(info["prefixlen"] ?? "?") \(info["scope"] ?? "?")")
            }
        }
        let read = Set(state.addresses.map { "\($0.linkName) \($0.address)/\($0.prefixLength) \($0.scope.rawValue)" })
        #expect(read == expected)
        #expect(read.contains("br0 2001:db8:10::1/64 global"))
        #expect(read.contains("up0 198.51.100.9/24 global"))
        let v6 = try #require(state.addresses.first { $0.address == IPAddress("2001:db8:10::1") })
        #expect(v6.flags == ["nodad", "permanent"])
        #expect(state.addresses.first { $0.address == IPAddress("198.51.100.9") }?.flags == ["permanent"])
    }

    @Test func routesOfAllTablesAgreeWithIpJSON() throws {
        let fixture = try Fixture()
        let state = try fixture.read()
        func key(_ family: AddressFamily, _ table: Int, _ type: String, _ destination: String, _ device: String?) -> String {
            "\(family) \(table) \(type) \(destination) \(device ?? "-")"
        }
        var expected: [String] = []
        for (family, flag) in [(AddressFamily.ipv4, "-4"), (.ipv6, "-6")] {
            for entry in try fixture.ipJSON("\(flag) route show table all") {
                let tableName = entry["table"] as? String ?? "main"
                let table = ["main": 254, "local": 255, "default": 253][tableName] ?? Int(tableName) ?? -1
                var destination = entry["dst"] as? String ?? "?"
                if destination == "default" { destination = family == .ipv4 ? "0.0.0.0/0" : "::/0" }
                if !destination.contains("/") { destination += family == .ipv4 ? "/32" : "/128" }
                expected.append(key(family, table, entry["type"] as? String ?? "unicast", destination, entry["dev"] as? String))
            }
        }
        let read = state.routes.map { route in
            key(route.family, route.table, route.type.rawValue, route.destination.description,
                route.nextHops.count == 1 ? route.nextHops[0].device : nil)
        }
        #expect(read.sorted() == expected.sorted())
        // One route per link for fe80::/64: libnl's cache would have merged them into one.
        #expect(state.routes.filter { $0.destination == IPPrefix("fe80::/64") && $0.table == 254 }.count > 1)
    }

    @Test func routesMatchWhatWasBuilt() throws {
        let state = try Fixture().read()
        func route(_ destination: String, table: Int = 254) -> Route? {
            state.routes.first { $0.destination == IPPrefix(destination) && $0.table == table }
        }
        #expect(route("0.0.0.0/0") == Route(family: .ipv4, table: 254, type: .unicast, destination: IPPrefix("0.0.0.0/0")!,
                                            protocolName: "boot", scope: "global", metric: 0,
                                            nextHops: [Route.NextHop(gateway: IPAddress("192.0.2.1"), device: "up0")]))
        #expect(route("10.30.0.0/24")?.metric == 50)
        #expect(route("10.40.0.0/24")?.nextHops == [
            Route.NextHop(gateway: IPAddress("10.10.0.2"), device: "br0", weight: 1),
            Route.NextHop(gateway: IPAddress("192.0.2.1"), device: "up0", weight: 3),
        ])
        #expect(route("10.50.0.0/24", table: 100)?.nextHops == [Route.NextHop(gateway: nil, device: "up0")])
        #expect(route("10.66.0.0/16", table: 100)?.type == .blackhole)
        #expect(route("10.66.0.0/16", table: 100)?.nextHops == [])
        #expect(route("10.10.0.0/24")?.preferredSource == IPAddress("10.10.0.1"))
        #expect(route("10.10.0.0/24")?.protocolName == "kernel")
        #expect(route("10.10.0.0/24")?.scope == "link")
        #expect(route("10.10.0.1/32", table: 255)?.type == .local)
        #expect(route("10.10.0.1/32", table: 255)?.scope == "host")
        #expect(route("2001:db8:99::/64")?.nextHops == [Route.NextHop(gateway: IPAddress("2001:db8:10::2"), device: "br0")])
        #expect(route("2001:db8:98::/64")?.nextHops.map(\.gateway) == [IPAddress("2001:db8:10::2"), IPAddress("2001:db8:1::1")])
        #expect(route("2001:db8:97::/64", table: 100)?.type == .unreachable)
        #expect(state.routes.first { $0.family == .ipv6 }.map { _ in true } == true)
        #expect(state.routes.prefix { $0.family == .ipv4 }.count == state.routes.filter { $0.family == .ipv4 }.count)
    }

    @Test func policyRulesMatchWhatWasBuilt() throws {
        let state = try Fixture().read()
        let ten = IPPrefix("10.10.0.0/24")
        #expect(state.policyRules.filter { $0.family == .ipv4 } == [
            PolicyRule(family: .ipv4, priority: 0, action: "lookup", table: 255),
            PolicyRule(family: .ipv4, priority: 1000, action: "lookup", table: 100, from: ten),
            PolicyRule(family: .ipv4, priority: 1001, action: "lookup", table: 100, fwmark: 0x10, fwmask: 0xff),
            PolicyRule(family: .ipv4, priority: 1002, action: "prohibit", to: IPPrefix("10.0.0.0/8"), inputInterface: "br0",
                       invert: true),
            PolicyRule(family: .ipv4, priority: 1003, action: "lookup", table: 254, outputInterface: "up0"),
            PolicyRule(family: .ipv4, priority: 1004, action: "lookup", table: 254, suppressPrefixLength: 0),
            PolicyRule(family: .ipv4, priority: 1005, action: "lookup", table: 100, unmodelledSelectors: ["ipproto", "dport"]),
            PolicyRule(family: .ipv4, priority: 32766, action: "lookup", table: 254),
            PolicyRule(family: .ipv4, priority: 32767, action: "lookup", table: 253),
        ])
        #expect(state.policyRules.filter { $0.family == .ipv6 } == [
            PolicyRule(family: .ipv6, priority: 0, action: "lookup", table: 255),
            PolicyRule(family: .ipv6, priority: 1000, action: "lookup", table: 100, from: IPPrefix("2001:db8:10::/64")),
            PolicyRule(family: .ipv6, priority: 32766, action: "lookup", table: 254),
        ])
    }

    @Test func twoReadsAreEqualAndReadingChangesNothing() throws {
        let fixture = try Fixture()
        let before = try fixture.ipState()
        let first = try fixture.read()
        let second = try fixture.read()
        #expect(first == second)
        // One reader read twice gives the same as two readers.
        let again = try NetworkNamespace.run(named: fixture.ns.name) { () throws -> [RouteState] in
            let reader = try NetlinkRouteReader()
            return [try reader.read(), try reader.read()]
        }
        #expect(again == [first, first])
        #expect(try fixture.ipState() == before)
    }

    @Test func stpPortsForwardAfterTheForwardDelay() throws {
        let ns = try TemporaryNamespace("nlstp")
        try ns.sh("""
            ip link add br1 type bridge stp_state 1 forward_delay 200
            ip link add vs0 type veth peer name vs0p
            ip link set vs0 master br1
            ip link set vs0p up; ip link set vs0 up; ip link set br1 up
            """)
        let read = { try NetworkNamespace.run(named: ns.name) { try NetlinkRouteReader().read() } }
        let early = try #require(try read().links.first { $0.name == "vs0" })
        #expect(early.bridgePort?.bridge == "br1")
        #expect(early.bridgePort?.stpState == .listening || early.bridgePort?.stpState == .learning)
        let bridge = try read().links.first { $0.name == "br1" }
        #expect(bridge?.bridge?.stpEnabled == true && bridge?.bridge?.forwardDelay == 200)
        // Listening and learning take one forward delay (2 s) each.
        Thread.sleep(forTimeInterval: 4.6)
        #expect(try read().links.first { $0.name == "vs0" }?.bridgePort?.stpState == .forwarding)
    }

    /// Kernels without 802.1Q support (such as this project's CI kernel) cannot make vlan links.
    static let kernelHasVLAN: Bool = {
        guard Shell.isRoot, let ns = try? TemporaryNamespace("nlvlanprobe") else { return false }
        return (try? ns.sh("ip link add p0 type veth peer name p1 && ip link add link p0 name p0.7 type vlan id 7")) != nil
    }()

    @Test(.enabled(if: kernelHasVLAN, "the kernel has no 802.1Q support"))
    func vlanLinksHaveTheirIDAndParent() throws {
        let ns = try TemporaryNamespace("nlvlan")
        try ns.sh("ip link add p0 type veth peer name p1 && ip link add link p0 name p0.7 type vlan id 7")
        let state = try NetworkNamespace.run(named: ns.name) { try NetlinkRouteReader().read() }
        let vlan = try #require(state.links.first { $0.name == "p0.7" })
        #expect(vlan.kind == .vlan && vlan.vlanID == 7 && vlan.parent == "p0")
    }
}
