import Foundation
import Testing
@testable import VNetCollect

/// sysfs is trusted only when it describes the same interface netlink reported.
@Suite struct NetlinkWirelessCheckTests {
    private func sysfs(_ links: [(name: String, index: Int, marker: String?)]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vnat-sysfs-\(getpid())-\(UUID())")
        for link in links {
            let directory = root.appendingPathComponent(link.name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try "\(link.index)\n".write(to: directory.appendingPathComponent("ifindex"), atomically: true, encoding: .utf8)
            if let marker = link.marker {
                try FileManager.default.createDirectory(at: directory.appendingPathComponent(marker), withIntermediateDirectories: true)
            }
        }
        return root
    }

    @Test func wirelessOnlyWhenTheIndexMatches() throws {
        let root = try sysfs([("wlan0", 3, "phy80211"), ("wlp2s0", 4, "wireless"), ("eth0", 2, nil)])
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(WirelessCheck.isWireless(name: "wlan0", index: 3, sysfsRoot: root.path))
        #expect(WirelessCheck.isWireless(name: "wlp2s0", index: 4, sysfsRoot: root.path))
        #expect(!WirelessCheck.isWireless(name: "eth0", index: 2, sysfsRoot: root.path))
        // Same name, other namespace's interface: sysfs says nothing about ours.
        #expect(!WirelessCheck.isWireless(name: "wlan0", index: 9, sysfsRoot: root.path))
        #expect(!WirelessCheck.isWireless(name: "missing0", index: 5, sysfsRoot: root.path))
        #expect(!WirelessCheck.isWireless(name: "..", index: 3, sysfsRoot: root.path))
    }
}
