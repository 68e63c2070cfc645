import Foundation
import Testing
import VNetModel
import VNetParsers
@testable import VNetCollect

/// The live reader on a copy of the captured host-nftables tree laid out like a real host: autostart
/// entries as symlinks, libvirtd's own driver.pid beside the networks' pid files, and pid files that
/// point at a live "dnsmasq", at a process that is not dnsmasq, and at no process at all.
@Suite struct LibvirtReaderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VNetParsersTests/Fixtures/libvirt/host-nftables")

    final class HostTree {
        let root: URL
        let paths: LibvirtPaths
        let fakeDnsmasq = Process()

        init() throws {
            let fm = FileManager.default
            root = fm.temporaryDirectory.appendingPathComponent("vnat-libvirt-\(UUID().uuidString)")
            paths = LibvirtPaths(configDir: root.path + "/etc/libvirt", runDir: root.path + "/run/libvirt",
                                 libDir: root.path + "/var/lib/libvirt")
            for (from, to) in [("etc", paths.configDir), ("run", paths.runDir), ("lib", paths.libDir)] {
                try fm.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try fm.copyItem(at: LibvirtReaderTests.fixtures.appendingPathComponent(from), to: URL(fileURLWithPath: to))
            }
            let autostart = paths.configDir + "/qemu/networks/autostart"
            for name in try fm.contentsOfDirectory(atPath: autostart) {
                let target = try String(contentsOfFile: autostart + "/" + name, encoding: .utf8)
                try fm.removeItem(atPath: autostart + "/" + name)
                try fm.createSymbolicLink(atPath: autostart + "/" + name, withDestinationPath: target)
            }
            // A process whose comm is "dnsmasq": a copy of sleep under that name.
            try fm.copyItem(atPath: "/bin/sleep", toPath: root.path + "/dnsmasq")
            fakeDnsmasq.executableURL = URL(fileURLWithPath: root.path + "/dnsmasq")
            fakeDnsmasq.arguments = ["60"]
            try fakeDnsmasq.run()
            let network = paths.runDir + "/network/"
            try "\(fakeDnsmasq.processIdentifier)\n".write(toFile: network + "default.pid", atomically: true, encoding: .utf8)
            try "\(getpid())\n".write(toFile: network + "isolated.pid", atomically: true, encoding: .utf8)
            try "4194305\n".write(toFile: network + "routed.pid", atomically: true, encoding: .utf8)  // above pid_max
            try "1\n".write(toFile: network + "driver.pid", atomically: true, encoding: .utf8)
        }

        deinit {
            fakeDnsmasq.terminate()
            fakeDnsmasq.waitUntilExit()
            try? FileManager.default.removeItem(at: root)
        }
    }

    @Test func liveReadChecksPidsAndKeepsEveryFile() throws {
        let tree = try HostTree()
        let live = LibvirtReader.read(paths: tree.paths, bridgeNames: ["br0", "virbr0"])
        #expect(live.notes.isEmpty, "\(live.notes)")
        #expect(live.state.networks.count == 8)
        #expect(live.state.unmanagedBridges == ["br0"])
        let def = try #require(live.state.network(named: "default"))
        #expect(def.autostart && def.active && def.persistent)
        #expect(def.dnsmasq?.running == true && def.dnsmasq?.pid == Int(tree.fakeDnsmasq.processIdentifier))
        #expect(def.dnsmasq?.pidFile == tree.paths.runDir + "/network/default.pid")
        #expect(def.sourceFiles == [tree.paths.configDir + "/qemu/networks/default.xml", tree.paths.runDir + "/network/default.xml"])
        #expect(live.state.network(named: "isolated")?.dnsmasq?.running == false, "alive, but not dnsmasq")
        #expect(live.state.network(named: "routed")?.dnsmasq?.running == false, "no such process")

        let paths = live.raw.map(\.bundlePath)
        #expect(paths == paths.sorted())
        #expect(paths.contains("libvirt/processes.json"))
        #expect(!paths.contains("libvirt/run/network/driver.pid"))
        let autostart = try #require(live.raw.first { $0.bundlePath == "libvirt/etc/qemu/networks/autostart/default.xml" })
        #expect(String(decoding: autostart.contents, as: UTF8.self) == "/etc/libvirt/qemu/networks/default.xml")
        let record = try ModelJSON.decoder().decode(LibvirtProcessRecord.self,
                                                    from: try #require(live.raw.first { $0.bundlePath == "libvirt/processes.json" }).contents)
        #expect(record.runDir == tree.paths.runDir)
        #expect(record.dnsmasq.map(\.network) == ["default", "isolated", "natfancy", "open", "routed", "transient"])
        #expect(record.dnsmasq.first?.command == "dnsmasq")
    }

    @Test func offlineReadOfTheSameFilesGivesTheSameState() throws {
        let tree = try HostTree()
        let live = LibvirtReader.read(paths: tree.paths, bridgeNames: ["br0", "virbr0"])
        tree.fakeDnsmasq.terminate()
        tree.fakeDnsmasq.waitUntilExit()
        let offline = LibvirtReader.read(raw: live.raw + [RawSource(bundlePath: "firewall/x", origin: "x", contents: Data())],
                                         bridgeNames: ["br0", "virbr0"])
        #expect(offline.state == live.state, "pids are not re-checked offline")
        #expect(offline.raw == live.raw)
        #expect(offline.notes == live.notes)
    }

    @Test func hostWithoutLibvirt() {
        let nowhere = LibvirtPaths(configDir: "/nonexistent/etc", runDir: "/nonexistent/run", libDir: "/nonexistent/lib")
        let read = LibvirtReader.read(paths: nowhere, bridgeNames: ["docker0"])
        #expect(read.state.networks.isEmpty && read.state.unmanagedBridges == ["docker0"])
        #expect(read.notes.map(\.severity) == [.info])
        #expect(read.raw.map(\.bundlePath) == ["libvirt/processes.json"])
    }
}
