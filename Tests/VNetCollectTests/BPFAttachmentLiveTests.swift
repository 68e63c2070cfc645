import Foundation
import Testing
import VNetModel
@testable import VNetCollect
import VNetTestSupport

/// Real BPF programs attached in a throwaway namespace, read back by the live collector: classic BPF tc
/// filters (no compiler needed), and an XDP program and a direct-action tc program built with a
/// BPF-capable clang.
@Suite(.enabled(if: Shell.isRoot, "needs root for network namespaces"))
struct BPFAttachmentLiveTests {
    /// A clang that can emit BPF objects: Debian's, or the one of the Swift toolchain.
    static let bpfClang: String? = ["/opt/swift/usr/bin/clang", "/usr/bin/clang"].first { path in
        FileManager.default.isExecutableFile(atPath: path)
            && ((try? Shell.check([path, "-print-targets"]))?.contains("bpf") ?? false)
    }

    /// Programs that pass every packet: XDP_PASS (2) at XDP, TC_ACT_OK (0) as a direct-action tc program.
    private static let source = """
        #define SEC(n) __attribute__((section(n), used))
        struct xdp_md;
        struct __sk_buff;
        SEC("xdp") int vna_xdp_pass(struct xdp_md *ctx) { return 2; }
        SEC("tc") int vna_tc_ok(struct __sk_buff *skb) { return 0; }
        char _license[] SEC("license") = "GPL";
        """

    private func links(in ns: TemporaryNamespace) throws -> [String: Link] {
        let state = try NetworkNamespace.run(named: ns.name) { try NetlinkRouteReader().read() }
        #expect(state.notes == [])
        return Dictionary(state.links.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func classicBPFFiltersOnBothClsactHooks() throws {
        let ns = try TemporaryNamespace("bpf")
        try ns.sh("""
            ip link add v0 type veth peer name v1
            ip link set v0 up; ip link set v1 up
            tc qdisc add dev v0 clsact
            tc filter add dev v0 ingress pref 10 bpf bytecode '1,6 0 0 4294967295,'
            tc filter add dev v0 egress pref 20 handle 7 bpf bytecode '2,40 0 0 12,6 0 0 262144,'
            """)
        let links = try links(in: ns)
        #expect(links["v0"]?.bpfPrograms == [
            BPFAttachment(hook: .tcIngress, tcPriority: 10, tcHandle: 1, directAction: false, classicInstructions: 1),
            BPFAttachment(hook: .tcEgress, tcPriority: 20, tcHandle: 7, directAction: false, classicInstructions: 2),
        ])
        #expect(links["v1"]?.bpfPrograms == [])
        #expect(links["lo"]?.bpfPrograms == [])
    }

    @Test(.enabled(if: bpfClang != nil, "no BPF-capable clang"))
    func xdpAndDirectActionProgramsWithTheirIDs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vnabpf-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let object = directory.appendingPathComponent("pass.o").path
        try Self.source.write(to: directory.appendingPathComponent("pass.c"), atomically: true, encoding: .utf8)
        try Shell.check([Self.bpfClang!, "-O2", "-target", "bpf", "-c", directory.appendingPathComponent("pass.c").path, "-o", object])

        let ns = try TemporaryNamespace("xdp")
        try ns.sh("""
            ip link add v0 type veth peer name v1
            ip link set v0 up; ip link set v1 up
            ip link set dev v0 xdpgeneric obj \(object) sec xdp
            tc qdisc add dev v1 clsact
            tc filter add dev v1 egress bpf da obj \(object) sec tc
            """)
        // The oracle: the ids iproute2 reports.
        let xdpID = try #require(Int(ns.sh("ip -d link show v0 | sed -n 's/.*prog\\/xdp id \\([0-9]*\\).*/\\1/p'").trimmingCharacters(in: .whitespacesAndNewlines)))
        let tcID = try #require(Int(ns.sh("tc filter show dev v1 egress | sed -n 's/.* id \\([0-9]*\\) .*/\\1/p'").trimmingCharacters(in: .whitespacesAndNewlines)))
        let links = try links(in: ns)
        #expect(links["v0"]?.bpfPrograms == [BPFAttachment(hook: .xdp, xdpMode: .generic, programID: xdpID)])
        let egress = try #require(links["v1"]?.bpfPrograms?.first)
        #expect(links["v1"]?.bpfPrograms?.count == 1)
        #expect(egress.hook == .tcEgress && egress.programID == tcID && egress.directAction == true)
        #expect(egress.name?.contains("pass.o") == true || egress.name == "vna_tc_ok")
        #expect(egress.classicInstructions == nil && egress.tcPriority != nil && egress.tcHandle == 1)
    }
}
