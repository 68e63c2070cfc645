import Foundation
import Testing
import VNetModel
import VNetEvaluate

/// The Codable account of a planned path: what explain prints as JSON and claims cite as evidence.
@Suite struct PathReportTests {
    private static let eth0Address = InterfaceAddress(linkName: "eth0", linkIndex: 2, address: Build.address("10.0.0.5"),
                                                      prefixLength: 24, scope: .global)

    private static func guestToLAN() -> PacketProbe {
        PacketProbe(inInterface: "virbr0", outInterface: nil, source: Build.address("192.168.122.11"),
                    destination: Build.address("93.184.216.34"), l4Protocol: 6, sourcePort: 40000, destinationPort: 443)
    }

    @Test(arguments: ["nftables", "iptables"])
    func masqueradedGuestTrafficLeavesWithTheUplinksAddress(backend: String) throws {
        let firewall = try backend == "nftables" ? RuleSetFixtures.libvirtNftables() : RuleSetFixtures.libvirtIptables()
        let host = HostBuild.host(firewall: firewall, addresses: [Self.eth0Address])
        let report = PathReport(planPath(Self.guestToLAN(), on: host), probe: Self.guestToLAN())
        #expect(report.fate == .accepted)
        #expect(report.egressInterface == "eth0")
        #expect(report.sourceAfterNAT == "10.0.0.5")
        #expect(report.destinationAfterNAT == "93.184.216.34")
        #expect(report.sourceTranslation == "masquerade to the address of eth0 ports 1024-65535")
        #expect(report.decidedBy == nil)
        #expect(report.stages.map(\.kind) == [.hook, .hook, .routing, .hook, .hook])
        #expect(report.stages[2].routing == "forward out of eth0 to 10.0.0.1")
    }

    @Test func aRejectNamesTheRuleThatDecided() throws {
        let host = HostBuild.host(firewall: try RuleSetFixtures.libvirtIptables(), addresses: [Self.eth0Address])
        var inbound = Self.guestToLAN()
        (inbound.inInterface, inbound.source, inbound.destination) = ("eth0", Build.address("93.184.216.34"), Build.address("192.168.122.11"))
        let report = PathReport(planPath(inbound, on: host), probe: inbound)
        #expect(report.fate == .rejected)
        #expect(report.egressInterface == nil && report.sourceAfterNAT == nil)
        #expect(report.decidedBy?.hasPrefix("forward ip filter ") == true)
        #expect(report.decidedBy?.contains("REJECT") == true)
    }

    /// A chain that drops by policy is named with its policy, not with the last rule it ran (a jump).
    @Test func aPolicyDropNamesThePolicy() {
        let forward = Build.base("FORWARD", .forward, policy: .drop, [
            Build.rule(1, .action(.jump("DOCKER")), text: "-A FORWARD -j DOCKER"),
        ])
        let docker = FirewallChain(name: "DOCKER", rules: [])
        let firewall = Firewall(tables: [Build.table("filter", system: .xtables, [forward, docker])])
        let host = HostBuild.host(firewall: firewall, addresses: [Self.eth0Address])
        let report = PathReport(planPath(Self.guestToLAN(), on: host), probe: Self.guestToLAN())
        #expect(report.fate == .dropped)
        #expect(report.decidedBy == "forward ip filter FORWARD: policy drop")
    }

    @Test func bridgedFrameLeavesByItsOutPort() {
        let probe = PacketProbe(inInterface: nil, outInterface: nil, source: Build.address("192.168.122.11"),
                                destination: Build.address("192.168.122.12"), l4Protocol: 17, sourcePort: 5000,
                                destinationPort: 53, bridgePortIn: "vnet0", bridgePortOut: "vnet1")
        let host = HostBuild.host(sysctls: ["net.bridge.bridge-nf-call-iptables": "0"])
        let report = PathReport(planBridgedPath(probe, bridge: "virbr0", on: host), probe: probe)
        #expect(report.fate == .accepted && report.egressInterface == "vnet1")
        #expect(report.packet.bridgePortIn == "vnet0" && report.packet.bridgePortOut == "vnet1")
    }

    @Test func reportRoundTripsThroughJSON() throws {
        let host = HostBuild.host(firewall: try RuleSetFixtures.libvirtNftables(), addresses: [Self.eth0Address])
        let report = PathReport(planPath(Self.guestToLAN(), on: host), probe: Self.guestToLAN())
        let data = try ModelJSON.encoder().encode(report)
        #expect(try ModelJSON.decoder().decode(PathReport.self, from: data) == report)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"sourceAfterNAT\" : \"10.0.0.5\""))
    }
}
