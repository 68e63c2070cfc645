import Foundation
import Testing
import VNetModel
@testable import VNetParsers

/// The libvirt fixture trees: real files captured from libvirt 11.3 (see Fixtures/libvirt/README.md).
enum LibvirtFixtures {
    static var root: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("libvirt")
    }

    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(path))
    }

    /// A host tree (`host-nftables`) as the raw sources a snapshot would hold: `libvirt/etc/...` with
    /// the host paths as origins.
    static func raw(tree: String) throws -> [RawSource] {
        let base = root.appendingPathComponent(tree)
        let hostDirs = ["etc": "/etc/libvirt", "run": "/run/libvirt", "lib": "/var/lib/libvirt"]
        var out: [RawSource] = []
        let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = walker?.nextObject() as? URL {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(base.standardizedFileURL.path.count + 1))
            let top = String(relative.prefix { $0 != "/" })
            let origin = hostDirs[top].map { $0 + relative.dropFirst(top.count) } ?? "/proc/PID/comm of dnsmasq pid files"
            out.append(RawSource(bundlePath: "libvirt/" + relative, origin: origin, contents: try Data(contentsOf: url)))
        }
        return out.sorted { $0.bundlePath < $1.bundlePath }
    }
}

@Suite struct LibvirtXMLParserTests {
    private func definition(_ tree: String, _ name: String) throws -> LibvirtNetwork {
        let path = "\(tree)/etc/qemu/networks/\(name).xml"
        return try LibvirtXMLParser.parseNetwork(LibvirtFixtures.data(path), file: path)
    }

    private func status(_ tree: String, _ name: String) throws -> LibvirtNetwork {
        let path = "\(tree)/run/network/\(name).xml"
        return try LibvirtXMLParser.parseStatus(LibvirtFixtures.data(path), file: path)
    }

    private func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func defaultNATDefinition() throws {
        let n = try definition("host-nftables", "default")
        #expect(n.name == "default")
        #expect(n.uuid == "59edfc6e-a17d-43ec-a753-d5b494eb3d25")
        #expect(!n.active && n.persistent && !n.autostart)
        #expect(n.forward == Forward(mode: .nat))
        #expect(n.bridge == BridgeConfig(name: "virbr0", stp: true, delay: 0))
        #expect(n.mac == "52:54:00:d9:67:00")
        #expect(n.ips == [NetworkIP(family: .ipv4, address: ip("192.168.122.1"), prefixLength: 24,
                                    dhcpRanges: [.init(start: ip("192.168.122.2"), end: ip("192.168.122.254"))])])
        #expect(n.subnets == [IPPrefix("192.168.122.0/24")!])
        #expect(n.recordedFirewallBackend == nil && n.recordedFirewallRemoval.isEmpty)
        #expect(n.sourceFiles == ["host-nftables/etc/qemu/networks/default.xml"])
    }

    @Test func natStatusRecordsTheNftablesBackend() throws {
        let n = try status("host-nftables", "default")
        #expect(n.active && !n.persistent)
        // The live XML carries the port range libvirt filled in.
        #expect(n.forward.nat == NATConfig(portStart: 1024, portEnd: 65535))
        #expect(n.recordedFirewallBackend == .nftables)
        #expect(n.recordedFirewallRemoval.count == 11)
        #expect(n.recordedFirewallRemoval.first == "nft delete rule ip libvirt_network guest_nat handle 18")
        #expect(n.recordedFirewallRemoval.last
                == "tc filter del dev virbr0 prio 2 protocol ip parent 1: u32 match ip dport 68 ffff action csum ip and udp")
    }

    @Test func natStatusRecordsTheIptablesBackend() throws {
        let n = try status("host-iptables", "default")
        #expect(n.recordedFirewallBackend == .iptables)
        #expect(n.recordedFirewallRemoval.count == 19)
        #expect(n.recordedFirewallRemoval.first
                == "iptables --table mangle --delete LIBVIRT_PRT --out-interface virbr0 --protocol udp --destination-port 68 --jump CHECKSUM --checksum-fill")
        #expect(n.recordedFirewallRemoval.contains(
            "iptables --table filter --delete LIBVIRT_INP --in-interface virbr0 --protocol udp --destination-port 67 --jump ACCEPT"))
    }

    @Test func routedNetworkWithUplinkAndStaticRoute() throws {
        let n = try status("host-iptables", "routed")
        #expect(n.forward == Forward(mode: .route, dev: "uplink0", interfaces: ["uplink0"]))
        #expect(n.domain == "routed.test")
        #expect(n.ips.first?.prefix == IPPrefix("10.10.10.0/24"))
        #expect(n.routes == [NetworkRoute(destination: IPPrefix("10.20.0.0/16")!, gateway: ip("10.10.10.2"))])
        #expect(n.recordedFirewallBackend == .iptables)
    }

    @Test func isolatedDualStackWithHostsAndDNS() throws {
        let n = try status("host-nftables", "isolated")
        #expect(n.mode == .isolated && n.forward.dev == nil)
        #expect(n.mac == "52:54:00:aa:bb:02")
        #expect(n.domain == "iso.test")
        #expect(n.dns == DNSConfig(enabled: true, forwardPlainNames: false, hosts: ["192.168.100.10 db db.iso.test"]))
        #expect(n.ips.map(\.family) == [.ipv4, .ipv6])
        #expect(n.ips[0].dhcpHosts == [.init(mac: "52:54:00:00:00:10", name: "db", ip: ip("192.168.100.10")),
                                       .init(mac: "52:54:00:00:00:11", name: nil, ip: ip("192.168.100.11"))])
        #expect(n.ips[1].address == ip("fd00:100::1") && n.ips[1].prefixLength == 64)
        #expect(n.ips[1].dhcpRanges == [.init(start: ip("fd00:100::100"), end: ip("fd00:100::1ff"))])
        #expect(n.ips[1].dhcpHosts == [.init(mac: nil, name: "db", ip: ip("fd00:100::10"))])
        #expect(n.recordedFirewallBackend == .nftables && n.recordedFirewallRemoval.count == 7)
    }

    @Test func openAndBridgeModes() throws {
        let open = try status("host-nftables", "open")
        #expect(open.mode == .open && open.bridge?.stp == false)
        #expect(open.recordedFirewallBackend == nil, "open installs no rules, so there is no removal record")
        let bridged = try status("host-nftables", "hostbridge")
        #expect(bridged.mode == .bridge && bridged.bridge == BridgeConfig(name: "br0"))
        #expect(bridged.ips.isEmpty && bridged.mac == nil)
    }

    @Test func natWithAddressAndPortRangeAndIPv6() throws {
        let n = try status("host-nftables", "natfancy")
        #expect(n.forward.dev == "uplink0" && n.forward.interfaces == ["uplink0"])
        #expect(n.forward.nat == NATConfig(addressStart: ip("198.51.100.10"), addressEnd: ip("198.51.100.20"),
                                           portStart: 20000, portEnd: 29999, ipv6: true))
        #expect(n.bridge == BridgeConfig(name: "virbr4", stp: true, delay: 2))
        #expect(n.mtu == 9000)
        #expect(n.dns?.forwarders == ["192.0.2.53", "/corp.example/192.0.2.54", "/local.example/#"])
        #expect(n.ips[0].tftpRoot == "/srv/tftp" && n.ips[0].dhcpRanges.count == 2)
        #expect(n.ips[1].family == .ipv6)
        #expect(n.routes == [NetworkRoute(destination: IPPrefix("fd00:151::/64")!, gateway: ip("fd00:150::2"), metric: 5)])
        #expect(n.recordedFirewallRemoval.first?.hasPrefix("nft delete rule ip6 libvirt_network guest_nat") == true)
    }

    @Test func forwardWithoutModeIsNAT() throws {
        #expect(try definition("host-nftables", "dormant").mode == .nat)
    }

    @Test func inlineAttributesAndDefaults() throws {
        let xml = """
            <network>
              <name>x</name>
              <forward mode='bridge'><interface dev='eth1'/><interface dev='eth2'/></forward>
              <bridge name='virbr9' macTableManager='libvirt' zone='trusted' stp='off'/>
              <ip address='10.1.2.3'/>
              <ip family='ipv6' address='fd00::1'/>
              <route address='172.16.0.0' netmask='255.240.0.0' gateway='10.1.2.4'/>
              <dns enable='no'><forwarder addr='192.0.2.1' port='5353'/></dns>
            </network>
            """
        let n = try LibvirtXMLParser.parseNetwork(Data(xml.utf8), file: "x.xml")
        #expect(n.forward.interfaces == ["eth1", "eth2"])
        #expect(n.bridge == BridgeConfig(name: "virbr9", stp: false, macTableManager: "libvirt", zone: "trusted"))
        #expect(n.ips.map(\.prefixLength) == [8, 64], "classful IPv4 default, /64 for IPv6")
        #expect(n.routes.first?.destination == IPPrefix("172.16.0.0/12"))
        #expect(n.dns == DNSConfig(enabled: false, forwarders: ["192.0.2.1#5353"]))
        #expect(n.uuid == nil)
    }

    @Test func statusWithoutRemovalRecordOrBackendAttribute() throws {
        let bare = try LibvirtXMLParser.parseStatus(Data("<network><name>old</name></network>".utf8), file: "old.xml")
        #expect(bare.active && bare.mode == .isolated && bare.recordedFirewallBackend == nil)
        let noBackend = """
            <networkstatus><network><name>n</name></network>
            <firewall name='fwRemoval'><group><action layer='ipv6'><args><item>--delete</item><item>A B</item></args></action></group></firewall>
            </networkstatus>
            """
        let n = try LibvirtXMLParser.parseStatus(Data(noBackend.utf8), file: "n.xml")
        #expect(n.recordedFirewallBackend == nil)
        #expect(n.recordedFirewallRemoval == ["ip6tables --delete 'A B'"])
    }

    @Test(arguments: [
        ("malformed/truncated-status.xml", 23, "malformed XML"),
        ("malformed/bad-address.xml", 14, "address='192.168.300.1' is not an IP address"),
        ("malformed/unknown-mode.xml", 3, "unknown forward mode 'teleport'"),
    ])
    func malformedFilesThrowWithFileAndLine(path: String, line: Int, message: String) throws {
        let data = try LibvirtFixtures.data(path)
        do {
            _ = try LibvirtXMLParser.parseStatus(data, file: path)
            Issue.record("\(path) parsed")
        } catch let e as LibvirtXMLError {
            #expect(e.file == path)
            #expect(e.line == line)
            #expect(e.column > 0)
            #expect(e.message.contains(message), "\(e)")
            #expect(e.description.hasPrefix("\(path):\(line):"))
        }
    }

    @Test(arguments: [
        ("", "empty file"),
        ("  \n", "empty file"),
        ("<network><name>a</name>", "malformed XML"),
        ("<network/>", "no <name>"),
        ("<network>\n<name>\u{FF}</name></network>", "not UTF-8"),
        ("<!DOCTYPE network [<!ENTITY a 'b'>]><network><name>&a;</name></network>", "<!DOCTYPE is not allowed"),
        ("<domain><name>vm</name></domain>", "found <domain>"),
        ("<network><name>a</name><ip address='10.0.0.1' family='ipv6'/></network>", "is not ipv6"),
        ("<network><name>a</name><ip address='10.0.0.1' prefix='40'/></network>", "out of range"),
        ("<network><name>a</name><ip address='10.0.0.1' netmask='255.0.255.0'/></network>", "not contiguous"),
        ("<network><name>a</name><ip address='240.0.0.1'/></network>", "classful"),
        ("<network><name>a</name><mtu size='big'/></network>", "not a number"),
        ("<network><name>a</name><dns enable='maybe'/></network>", "not yes/no"),
        ("<network><name>a</name><ip address='10.0.0.1'><dhcp><range start='10.0.0.2'/></dhcp></ip></network>", "has no end="),
        ("<networkstatus><class_id/></networkstatus>", "has no <network>"),
        ("<networkstatus><network><name>a</name></network><firewall name='fwRemoval' backend='pf'/></networkstatus>", "unknown firewall backend"),
        ("<networkstatus><network><name>a</name></network><firewall name='fwRemoval' backend='nftables'><group><action layer='ethernet'/></group></firewall></networkstatus>", "unknown firewall layer"),
    ])
    func invalidContentThrows(xml: String, message: String) {
        // "\u{FF}" stands for the lone byte 0xFF (invalid UTF-8), which a Swift string cannot hold.
        let data = Data(xml.utf8).replacing(Data("\u{FF}".utf8), with: Data([0xff]))
        #expect {
            _ = try LibvirtXMLParser.parseStatus(data, file: "inline.xml")
        } throws: { error in
            guard let e = error as? LibvirtXMLError else { return false }
            return e.file == "inline.xml" && e.line >= 1 && e.message.contains(message)
        }
    }

    /// Every prefix of every fixture, and some random bytes: a result or a LibvirtXMLError, never a trap.
    @Test func truncatedAndRandomInputNeverTraps() throws {
        let files = ["host-nftables/run/network/natfancy.xml", "host-iptables/run/network/default.xml",
                     "host-nftables/etc/qemu/networks/isolated.xml"]
        for file in files {
            let data = try LibvirtFixtures.data(file)
            for length in stride(from: 0, to: data.count, by: 13) {
                do { _ = try LibvirtXMLParser.parseStatus(data.prefix(length), file: file) } catch is LibvirtXMLError {}
            }
        }
        var generator = SystemRandomNumberGenerator()
        // Valid UTF-8 mutations of a fixture: XMLParser itself must see them and survive.
        let seed = Array(String(decoding: try LibvirtFixtures.data(files[0]), as: UTF8.self))
        let pieces = ["<", ">", "/", "'", "\"", "=", "&", ";", "é", "😀", "\u{0}", "<!--", "]]>", "<![CDATA["]
        for _ in 0..<100 {
            var chars = seed
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let at = Int.random(in: 0..<chars.count, using: &generator)
                if Bool.random(using: &generator) { chars.remove(at: at) } else {
                    chars.insert(contentsOf: pieces.randomElement(using: &generator) ?? "<", at: at)
                }
            }
            do { _ = try LibvirtXMLParser.parseStatus(Data(String(chars).utf8), file: "mutated") } catch is LibvirtXMLError {}
        }
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            do { _ = try LibvirtXMLParser.parseStatus(Data(bytes), file: "random") } catch is LibvirtXMLError {}
            do { _ = try LibvirtXMLParser.parseNetworkConf(String(decoding: bytes, as: UTF8.self), file: "random") } catch is LibvirtXMLError {}
        }
    }
}

@Suite struct LibvirtNetworkConfTests {
    @Test func readsTheCapturedConfigs() throws {
        let nft = String(decoding: try LibvirtFixtures.data("host-nftables/etc/network.conf"), as: UTF8.self)
        #expect(try LibvirtXMLParser.parseNetworkConf(nft, file: "network.conf") == .nftables)
        let ipt = String(decoding: try LibvirtFixtures.data("host-iptables/etc/network.conf"), as: UTF8.self)
        #expect(try LibvirtXMLParser.parseNetworkConf(ipt, file: "network.conf") == .iptables)
    }

    @Test(arguments: [
        ("", nil),
        ("#firewall_backend = \"nftables\"\n", nil),
        ("firewall_backend='iptables' # chosen by hand\n", FirewallBackend.iptables),
        ("  firewall_backend   =   \"nftables\"  \n", .nftables),
        ("other_setting = [\n  \"a\",\n]\nfirewall_backend = \"nftables\"", .nftables),
    ])
    func settings(text: String, expected: FirewallBackend?) throws {
        #expect(try LibvirtXMLParser.parseNetworkConf(text, file: "network.conf") == expected)
    }

    @Test func unknownBackendThrowsWithLine() throws {
        let text = String(decoding: try LibvirtFixtures.data("malformed/network.conf"), as: UTF8.self)
        #expect {
            _ = try LibvirtXMLParser.parseNetworkConf(text, file: "network.conf")
        } throws: { error in
            (error as? LibvirtXMLError).map { $0.line == 2 && $0.description.hasPrefix("network.conf:2:") } ?? false
        }
    }
}
