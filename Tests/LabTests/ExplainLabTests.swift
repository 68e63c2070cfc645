import Foundation
import Testing
import VNetModel
import VNetTestSupport

/// `vnetaudit explain` against real traffic in the lab, for each libvirt firewall backend: the fate it
/// predicts from a snapshot (or the live hypervisor) is what a real TCP connection meets, and the source
/// address it predicts after NAT is the one the LAN sees, healthy and with real state broken.
@Suite(.enabled(if: Lab.available, "needs root and libvirtd (scripts/install-deps.sh)"), .serialized)
struct ExplainLabTests {
    private static let probe = Lab.repository.appendingPathComponent("lab/probe.py").path

    /// What explain says about one packet: its fate and the source address it leaves with.
    struct Prediction {
        let fate: String
        let sourceAfterNAT: String?
        let status: Int32
    }

    private func explain(_ lab: Lab, _ arguments: [String], snapshot: String? = nil) throws -> Prediction {
        let full = ["explain", "--format", "json"] + arguments
        let out = try snapshot.map { try Shell.run([BuiltProducts.vnetaudit] + full + ["--snapshot", $0]) } ?? lab.vnetaudit(full)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any],
                                "explain \(arguments): \(out.stderr)")
        return Prediction(fate: json["fate"] as? String ?? "?", sourceAfterNAT: json["sourceAfterNAT"] as? String,
                          status: out.status)
    }

    /// A real TCP connection to the probe server on port 8080; the peer address the server saw, or
    /// nil when the connection failed.
    private func connect(_ lab: Lab, from place: [String], to address: String) throws -> String? {
        let out = try Shell.run(["bash", Lab.script] + place + ["--name", lab.name, "--",
                                 "python3", Self.probe, "tcp", address, "8080", "--timeout", "2"])
        guard out.status == 0 else { return nil }
        return out.stdout.split(separator: "\n").first { $0.hasPrefix("peer=") }.map { String($0.dropFirst(5)) }
    }

    private static let natGuestToLAN = ["--from", "192.168.122.11", "--to", "203.0.113.1", "--in", "virbr0",
                                        "--in-port", "vnet0", "--dport", "8080"]
    private static let lanToNatGuest = ["--from", "203.0.113.1", "--to", "192.168.122.11", "--in", "eth-up", "--dport", "8080"]
    private static let bridgedGuestToLAN = ["--from", "198.51.100.10", "--to", "198.51.100.1", "--in", "br0",
                                            "--in-port", "vnet6", "--out-port", "eth-br", "--dport", "8080"]

    @Test(arguments: ["nftables", "iptables"])
    func explainAgreesWithRealTraffic(backend: String) throws {
        let lab = try Lab(name: backend == "nftables" ? "exnft" : "exipt", backend: backend)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-explain-lab-\(getpid())-\(backend)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try lab.hypervisor([BuiltProducts.vnetaudit, "snapshot", "--output", dir])

        // Healthy: the guest reaches the LAN masqueraded to the uplink address; the LAN cannot open a
        // connection to the guest; the bridged guest reaches the LAN segment through br0.
        let out = try explain(lab, Self.natGuestToLAN, snapshot: dir)
        let seen = try connect(lab, from: ["guest", "nat1"], to: "203.0.113.1")
        #expect(out.fate == "accepted" && out.status == 0 && seen != nil, "explain \(out.fate), traffic \(String(describing: seen))")
        #expect(out.sourceAfterNAT == seen && seen == "203.0.113.2")

        let inbound = try explain(lab, Self.lanToNatGuest, snapshot: dir)
        #expect(inbound.fate == "rejected" && inbound.status == 1)
        #expect(try connect(lab, from: ["lan"], to: "192.168.122.11") == nil)

        let bridged = try explain(lab, Self.bridgedGuestToLAN, snapshot: dir)
        #expect(bridged.fate == "accepted")
        #expect(try connect(lab, from: ["guest", "bridged"], to: "198.51.100.1") == "198.51.100.10")

        // Masquerade removed: the LAN sees the guest's own address, as explain says.
        try lab.breakState("masquerade-removed")
        let unmasqueraded = try explain(lab, Self.natGuestToLAN)
        let seenUnmasqueraded = try connect(lab, from: ["guest", "nat1"], to: "203.0.113.1")
        #expect(unmasqueraded.fate == "accepted" && unmasqueraded.sourceAfterNAT == "192.168.122.11")
        #expect(seenUnmasqueraded == "192.168.122.11")
        try Shell.check(["bash", Lab.script, "repair", "all", "--name", lab.name])

        // A legacy FORWARD DROP beside libvirt's rules drops what libvirt accepts.
        try lab.breakState("forward-drop-legacy")
        let legacyDrop = try explain(lab, Self.natGuestToLAN)
        #expect(legacyDrop.fate == "dropped" && legacyDrop.status == 1)
        #expect(try connect(lab, from: ["guest", "nat1"], to: "203.0.113.1") == nil)
        try Shell.check(["bash", Lab.script, "repair", "all", "--name", lab.name])

        // br_netfilter on: bridged frames meet the host firewall's FORWARD chain, which drops them.
        try lab.breakState("br-netfilter")
        let filtered = try explain(lab, Self.bridgedGuestToLAN)
        #expect(filtered.fate == "dropped")
        #expect(try connect(lab, from: ["guest", "bridged"], to: "198.51.100.1") == nil)
    }
}
