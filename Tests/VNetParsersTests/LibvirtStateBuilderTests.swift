import Foundation
import Testing
import VNetModel
@testable import VNetParsers

@Suite struct LibvirtStateBuilderTests {
    private let hostBridges = ["br0", "docker0", "virbr0", "virbr1", "virbr2", "virbr3", "virbr4", "virbr5"]

    private func replacing(_ raw: [RawSource], _ bundlePath: String, with contents: String?) -> [RawSource] {
        var out = raw.filter { $0.bundlePath != bundlePath }
        if let contents {
            let origin = raw.first { $0.bundlePath == bundlePath }?.origin ?? "/" + bundlePath
            out.append(RawSource(bundlePath: bundlePath, origin: origin, contents: Data(contents.utf8)))
        }
        return out
    }

    @Test func nftablesHostTree() throws {
        let (state, notes) = LibvirtStateBuilder.build(raw: try LibvirtFixtures.raw(tree: "host-nftables"), bridgeNames: hostBridges)
        #expect(notes.isEmpty, "\(notes)")
        #expect(state.configuredFirewallBackend == .nftables)
        #expect(state.networks.map(\.name) == ["default", "dormant", "hostbridge", "isolated", "natfancy", "open", "routed", "transient"])
        #expect(state.unmanagedBridges == ["br0", "docker0"])

        let def = try #require(state.network(named: "default"))
        #expect(def.active && def.persistent && def.autostart)
        #expect(def.sourceFiles == ["/etc/libvirt/qemu/networks/default.xml", "/run/libvirt/network/default.xml"])
        #expect(def.forward.nat?.portStart == 1024, "live values come from the status file")
        #expect(def.recordedFirewallBackend == .nftables)
        #expect(def.dnsmasq == DnsmasqState(pidFile: "/run/libvirt/network/default.pid", pid: 9813, running: true,
                                            configFile: "/var/lib/libvirt/dnsmasq/default.conf", leaseCount: 0))

        let dormant = try #require(state.network(named: "dormant"))
        #expect(!dormant.active && dormant.persistent && !dormant.autostart && dormant.dnsmasq == nil)
        #expect(dormant.sourceFiles == ["/etc/libvirt/qemu/networks/dormant.xml"])

        let transient = try #require(state.network(named: "transient"))
        #expect(transient.active && !transient.persistent && !transient.autostart)
        #expect(transient.uuid != nil && transient.dnsmasq?.running == true)

        #expect(state.network(named: "hostbridge")?.dnsmasq == nil, "bridge mode has no dnsmasq")
        let open = try #require(state.network(named: "open"))
        #expect(open.dnsmasq?.running == true && open.dnsmasq?.leaseCount == nil, "no DHCP, so no lease status file")
    }

    @Test func iptablesHostTree() throws {
        let (state, notes) = LibvirtStateBuilder.build(raw: try LibvirtFixtures.raw(tree: "host-iptables"), bridgeNames: [])
        #expect(notes.isEmpty)
        #expect(state.configuredFirewallBackend == .iptables)
        #expect(state.networks.map(\.name) == ["default", "routed"])
        #expect(state.networks.allSatisfy { $0.recordedFirewallBackend == .iptables && $0.autostart && $0.dnsmasq?.running == true })
        #expect(state.unmanagedBridges.isEmpty)
    }

    @Test func malformedStatusSkipsOnlyThatNetwork() throws {
        let raw = replacing(try LibvirtFixtures.raw(tree: "host-nftables"), "libvirt/run/network/isolated.xml",
                            with: String(decoding: try LibvirtFixtures.data("malformed/truncated-status.xml"), as: UTF8.self))
        let (state, notes) = LibvirtStateBuilder.build(raw: raw, bridgeNames: [])
        #expect(state.network(named: "isolated") == nil)
        #expect(state.networks.count == 7)
        #expect(notes.count == 1)
        let note = try #require(notes.first)
        #expect(note.severity == .warning && note.source == "libvirt")
        #expect(note.message.hasPrefix("/run/libvirt/network/isolated.xml:23:"), "\(note.message)")
        #expect(note.message.hasSuffix("network 'isolated' skipped"))
    }

    @Test func badConfigAndLeaseFilesBecomeNotes() throws {
        var raw = replacing(try LibvirtFixtures.raw(tree: "host-iptables"), "libvirt/etc/network.conf", with: "firewall_backend = \"pf\"\n")
        raw = replacing(raw, "libvirt/lib/dnsmasq/virbr0.status", with: "not json")
        let (state, notes) = LibvirtStateBuilder.build(raw: raw, bridgeNames: [])
        #expect(state.configuredFirewallBackend == nil)
        #expect(state.network(named: "default")?.dnsmasq?.leaseCount == nil)
        #expect(notes.map(\.message) == [
            "/etc/libvirt/network.conf:1:18: firewall_backend 'pf' is neither \"iptables\" nor \"nftables\"; firewall_backend treated as unset",
            "/var/lib/libvirt/dnsmasq/virbr0.status: not a JSON array of leases; lease count unknown",
        ])
    }

    @Test func leasesFromDnsmasqFileOrLeasesHelperStatus() throws {
        var raw = try LibvirtFixtures.raw(tree: "host-iptables")
        raw = replacing(raw, "libvirt/lib/dnsmasq/virbr0.status", with: """
            [{"ip-address": "192.168.122.50", "mac-address": "52:54:00:01:02:03", "hostname": "vm1", "expiry-time": 1700000000},
             {"ip-address": "192.168.122.51", "mac-address": "52:54:00:01:02:04", "expiry-time": 1700000000}]
            """)
        raw = replacing(raw, "libvirt/lib/dnsmasq/routed.leases", with: """
            1700000000 52:54:00:01:02:05 10.10.10.100 vm2 *
            duid 00:01:00:01:2c:5e:1a:2b:52:54:00:00:00:01

            """)
        let (state, _) = LibvirtStateBuilder.build(raw: raw, bridgeNames: [])
        #expect(state.network(named: "default")?.dnsmasq?.leaseCount == 2)
        #expect(state.network(named: "routed")?.dnsmasq?.leaseCount == 1)
    }

    @Test func missingPidFileAndProcessRecord() throws {
        var raw = replacing(try LibvirtFixtures.raw(tree: "host-iptables"), "libvirt/run/network/routed.pid", with: nil)
        let (state, notes) = LibvirtStateBuilder.build(raw: raw, bridgeNames: [])
        #expect(notes.isEmpty)
        #expect(state.network(named: "routed")?.dnsmasq == DnsmasqState(
            pidFile: "/run/libvirt/network/routed.pid", pid: nil, running: false,
            configFile: "/var/lib/libvirt/dnsmasq/routed.conf", leaseCount: 0), "expected but not started")

        raw = replacing(raw, LibvirtProcessRecord.bundlePath, with: nil)
        let (offline, offlineNotes) = LibvirtStateBuilder.build(raw: raw, bridgeNames: [])
        #expect(offline.network(named: "default")?.dnsmasq?.running == false)
        #expect(offlineNotes.map(\.message) == ["libvirt/processes.json missing: every dnsmasq is taken as not running"])
    }

    @Test func fileNameAndNetworkNameDisagree() throws {
        let raw = [RawSource(bundlePath: "libvirt/etc/qemu/networks/a.xml", origin: "/etc/libvirt/qemu/networks/a.xml",
                             contents: Data("<network><name>b</name></network>".utf8))]
        let (state, notes) = LibvirtStateBuilder.build(raw: raw, bridgeNames: [])
        #expect(state.networks.map(\.name) == ["b"])
        #expect(notes.map(\.message) == ["/etc/libvirt/qemu/networks/a.xml: file name says 'a' but <name> is 'b'"])
    }

    @Test func bridgeModeNetworksMarkTheirBridgeUnmanaged() {
        let networks = [
            LibvirtNetwork(name: "nat", active: true, persistent: true, autostart: true, forward: Forward(mode: .nat),
                           bridge: BridgeConfig(name: "virbr0")),
            LibvirtNetwork(name: "lan", active: true, persistent: true, autostart: true, forward: Forward(mode: .bridge),
                           bridge: BridgeConfig(name: "br0")),
        ]
        #expect(LibvirtStateBuilder.unmanagedBridges(networks: networks, bridgeNames: ["virbr0", "br1", "br1"]) == ["br0", "br1"])
    }
}
