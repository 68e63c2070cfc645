import Foundation
import Testing
import VNetModel
import VNetTestSupport
@testable import VNetProbe

/// Probe ports and `probe --cleanup` for real, in throwaway network namespaces standing in for the host
/// (root): a bridge with an address plays the libvirt network.
@Suite(.enabled(if: Shell.isRoot, "needs root (network namespaces, veth)"), .serialized)
struct ProbePortTests {
    private func links(_ ns: TemporaryNamespace) throws -> [String] {
        try ns.exec(["ip", "-o", "link"]).split(separator: "\n").compactMap { line in
            line.split(separator: ":").dropFirst().first.map { String($0.trimmingCharacters(in: .whitespaces).split(separator: "@")[0]) }
        }
    }

    @Test func portIsCreatedOnTheBridgeExercisedAndRemoved() throws {
        let ns = try TemporaryNamespace("probe")
        try ns.sh("ip link add br-t type bridge; ip addr add 10.77.0.1/24 dev br-t; ip link set br-t up")
        let a = { (s: String) in IPAddress(s)! }
        let network = LibvirtNetwork(name: "t", active: true, persistent: true, autostart: false, forward: Forward(mode: .isolated),
                                     bridge: BridgeConfig(name: "br-t"),
                                     ips: [NetworkIP(family: .ipv4, address: a("10.77.0.1"), prefixLength: 24)])
        let host = HostState(hostname: "t", collectedAt: Date(), libvirt: LibvirtState(networks: [network]))
        // 10.77.0.254 is taken by a guest on the bridge: the ARP probe must notice and move on.
        let guest = try TemporaryNamespace("guest")
        try ns.sh("ip link add taken type veth peer name eth0 netns \(guest.name); ip link set taken master br-t up")
        try guest.sh("ip addr add 10.77.0.254/24 dev eth0; ip link set eth0 up")
        let plans = ProbePlan.plans(networks: [network], host: host, targets: [ProbeTarget(address: a("10.77.0.1"), port: 9)], inUse: []).ports
        let run = ProbeRun(plans: plans, host: HostSide(namespace: ns.name), peer: nil, say: { _ in })
        defer { run.tearDown() }
        try run.setUp(shouldStop: { false })
        let hostLink = ProbeNames.hostLink(pid: getpid(), index: 0)
        #expect(try ns.exec(["ip", "-o", "link", "show", hostLink]).contains("master br-t"))
        #expect(FileManager.default.fileExists(atPath: ProbeNames.stateFile(pid: getpid())))

        let results = run.exercise()
        let result = try #require(results.first)
        #expect(result.addresses == [a("10.77.0.253")])
        let echo = result.attempts.first { $0.kind == .icmpEcho }
        #expect(echo?.outcome == .answered, "\(String(describing: echo))")
        // Nothing listens on 10.77.0.1:9: the host's reset is an answer, a refusal.
        #expect(result.attempts.first { $0.kind == .tcpConnect }?.outcome == .refused)

        #expect(run.tearDown().isEmpty)
        #expect(!(try links(ns)).contains(hostLink))
        #expect(!FileManager.default.fileExists(atPath: ProbeNames.stateFile(pid: getpid())))
    }

    @Test func cleanupRemovesOnlyWhatDeadRunsLeft() throws {
        let ns = try TemporaryNamespace("clean")
        var dead: Int32 = 4_000_000
        while kill(dead, 0) == 0 || errno != ESRCH { dead += 1 }
        let me = getpid()
        try ns.sh("ip link add vnap\(dead)-0 type veth peer name vnaptest-p; ip link add vnap\(dead)-1 type veth peer name vnaptest-q;"
                  + " ip link add vnap\(me)-0 type veth peer name vnaptest-r; ip link add vnapx type veth peer name vnaptest-s")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-probes-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ProbeRecordStore.save(ProbeRecord(pid: dead, processStart: "1", hostLinks: ["vnap\(dead)-0"], namespace: ns.name), directory: directory)
        try ProbeRecordStore.save(ProbeRecord(pid: me, processStart: ProbeRecord.startTime(of: me), hostLinks: ["vnap\(me)-0"],
                                              namespace: ns.name), directory: directory)
        try Data("not json".utf8).write(to: URL(fileURLWithPath: "\(directory)/garbage.json"))

        let outcome = ProbeCleanup.run(namespace: ns.name, directory: directory)
        #expect(!outcome.failed, "\(outcome.lines)")
        let left = try links(ns)
        #expect(!left.contains("vnap\(dead)-0") && !left.contains("vnaptest-p"), "recorded link of a dead run: \(left)")
        #expect(!left.contains("vnap\(dead)-1"), "orphan of a dead run: \(left)")
        #expect(left.contains("vnap\(me)-0") && left.contains("vnapx") && left.contains("vnaptest-s"))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files == ["\(me).json", "garbage.json"])
        #expect(outcome.lines.contains { $0.contains("still alive") } && outcome.lines.contains { $0.contains("garbage.json: not a probe state file") })
    }
}
