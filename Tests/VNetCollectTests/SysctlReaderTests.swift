import Foundation
import Testing
import VNetModel
@testable import VNetCollect
import VNetTestSupport

/// /proc/sys read from inside a namespace whose settings were set to known values.
@Suite(.enabled(if: Shell.isRoot, "needs root for network namespaces"))
struct SysctlReaderTests {
    @Test func readsTheNamespaceSettings() throws {
        let ns = try TemporaryNamespace("sysctl")
        try ns.sh("""
            ip link add br0 type bridge
            ip link add v0.5 type veth peer name p0.5
            sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.rp_filter=0
            sysctl -qw net.ipv4.conf.br0.rp_filter=2 net.ipv4.conf.br0.proxy_arp=1 net.ipv6.conf.br0.disable_ipv6=1
            echo 1 > /proc/sys/net/ipv4/conf/v0.5/rp_filter
            echo 2 > /proc/sys/net/ipv6/conf/v0.5/accept_ra
            """)
        let sysctls = try NetworkNamespace.run(named: ns.name) {
            SysctlReader.read(linkNames: ["lo", "br0", "v0.5", "gone0"])
        }
        #expect(sysctls.ipv4Forwarding == true)
        #expect(sysctls.ipv6ForwardingAll == true)
        #expect(sysctls["net.ipv4.conf.all.rp_filter"] == "0")
        #expect(sysctls.rpFilter(link: "br0") == 2)
        #expect(sysctls["net.ipv4.conf.br0.proxy_arp"] == "1")
        #expect(sysctls["net.ipv6.conf.br0.disable_ipv6"] == "1")
        #expect(sysctls.rpFilter(link: "v0.5") == 1)
        #expect(sysctls["net.ipv6.conf.v0.5.accept_ra"] == "2")
        #expect(sysctls["net.ipv4.conf.default.forwarding"] == "1", "ip_forward=1 sets every conf.*.forwarding")
        #expect(!sysctls.values.keys.contains { $0.contains("gone0") })

        // The bridge keys exist only with br_netfilter; when they do, they read as the files say.
        let bridgeFile = try NetworkNamespace.run(named: ns.name) {
            try? String(contentsOfFile: "/proc/sys/net/bridge/bridge-nf-call-iptables", encoding: .utf8)
        }
        #expect(sysctls["net.bridge.bridge-nf-call-iptables"] == bridgeFile?.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func theCallersNamespaceIsNotRead() throws {
        let ns = try TemporaryNamespace("sysctl2")
        try ns.sh("ip link add only-in-ns type veth peer name only-in-ns-p")
        let inside = try NetworkNamespace.run(named: ns.name) { SysctlReader.read(linkNames: ["only-in-ns"]) }
        #expect(inside["net.ipv4.conf.only-in-ns.rp_filter"] != nil)
        #expect(SysctlReader.read(linkNames: ["only-in-ns"])["net.ipv4.conf.only-in-ns.rp_filter"] == nil)
    }
}
