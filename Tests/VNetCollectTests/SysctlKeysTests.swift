import Foundation
import Testing
import VNetModel
@testable import VNetCollect

@Suite struct SysctlKeysTests {
    @Test func linkNamesWithDotsKeepTheirProcSegment() {
        let keys = SysctlReader.keys(linkNames: ["eth0.100"])
        #expect(keys.contains { $0.name == "net.ipv4.conf.eth0.100.rp_filter" && $0.path == "net/ipv4/conf/eth0.100/rp_filter" })
        #expect(keys.contains { $0.name == "net.ipv6.conf.eth0.100.forwarding" && $0.path == "net/ipv6/conf/eth0.100/forwarding" })
        #expect(keys.contains { $0.name == "net.bridge.bridge-nf-call-iptables" && $0.path == "net/bridge/bridge-nf-call-iptables" })
        #expect(keys.contains { $0.name == "net.ipv4.ip_forward" && $0.path == "net/ipv4/ip_forward" })
    }

    @Test func impossibleNamesAreNotPaths() {
        let keys = SysctlReader.keys(linkNames: ["../../x", "..", ""])
        #expect(!keys.contains { $0.path.contains("..") || $0.path.contains("//") })
    }

    @Test func readsAFakeTreeAndLeavesAbsentKeysOut() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vnat-sysctl-\(getpid())-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        func write(_ path: String, _ value: String) throws {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try value.write(to: url, atomically: true, encoding: .utf8)
        }
        try write("net/ipv4/ip_forward", "1\n")
        try write("net/ipv4/conf/all/rp_filter", "1\n")
        try write("net/ipv4/conf/eth0.100/rp_filter", "2\n")
        let sysctls = SysctlReader.read(linkNames: ["eth0.100"], root: root.path)
        #expect(sysctls.values == ["net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "1",
                                   "net.ipv4.conf.eth0.100.rp_filter": "2"])
        #expect(sysctls.rpFilter(link: "eth0.100") == 2)
        #expect(sysctls.bridgeCallsIptables == nil)
    }
}
