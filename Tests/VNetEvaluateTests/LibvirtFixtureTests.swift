import Foundation
import Testing
import VNetModel
import VNetParsers
import VNetEvaluate

/// libvirt's real rule sets (the VNetParsersTests fixtures): a nat network's guest on virbr0 reaches out
/// through eth0 masqueraded, and new connections from outside to the guest are rejected.
@Suite struct LibvirtFixtureTests {
    private static func fixture(_ path: String) throws -> Data {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return try Data(contentsOf: tests.appendingPathComponent("VNetParsersTests/Fixtures/\(path)"))
    }

    private static func nftablesBackend() throws -> Firewall {
        Firewall(tables: try NftJSONDecoder.decode(fixture("nft/libvirt-nftables.json"), file: "libvirt-nftables.json"))
    }

    private static func iptablesBackend() throws -> Firewall {
        let text = String(decoding: try fixture("iptables/libvirt.v4.save"), as: UTF8.self)
        return Firewall(tables: try IptablesSaveParser.parse(text, family: .ipv4, system: .xtables, file: "libvirt.v4.save"))
    }

    private static let masqueraded = Translation.masquerade(outInterface: "eth0", ports: PortRange(low: 1024, high: 65535))

    @Test(arguments: ["nftables", "iptables"])
    func guestOutboundIsAcceptedAndMasqueraded(backend: String) throws {
        let firewall = try backend == "nftables" ? Self.nftablesBackend() : Self.iptablesBackend()
        let result = evaluate(Build.guestOutbound(), hooks: Build.forwardedHooks, firewall: firewall)
        #expect(result.fate == .accepted)
        #expect(result.translatedSource == Self.masqueraded)
        let forward = result.steps.filter { $0.hook == .forward }
        #expect(forward.contains { $0.outcome == .accepted })
        let accepting = forward.flatMap(\.hits).last
        #expect(accepting?.action == .accept)
        #expect(accepting?.text.contains("192.168.122.0/24") == true)
    }

    @Test(arguments: ["nftables", "iptables"])
    func newInboundToTheGuestIsRejected(backend: String) throws {
        let firewall = try backend == "nftables" ? Self.nftablesBackend() : Self.iptablesBackend()
        let result = evaluate(Build.inboundToGuest(), hooks: Build.forwardedHooks, firewall: firewall)
        #expect(result.fate == .rejected)
        #expect(result.translatedSource == nil)
        #expect(result.steps.last?.hook == .forward)
    }

    @Test(arguments: ["nftables", "iptables"])
    func repliesToTheGuestAreAccepted(backend: String) throws {
        let firewall = try backend == "nftables" ? Self.nftablesBackend() : Self.iptablesBackend()
        let result = evaluate(Build.inboundToGuest(conntrack: .established), hooks: Build.forwardedHooks, firewall: firewall)
        #expect(result.fate == .accepted)
        #expect(result.steps.contains { $0.outcome == .skipped(reason: "nat chains see only the first packet of a connection") })
    }

    @Test func bothBackendsTogetherStillRejectInbound() throws {
        let firewall = Firewall(tables: try Self.nftablesBackend().tables + Self.iptablesBackend().tables)
        #expect(evaluate(Build.inboundToGuest(), hooks: Build.forwardedHooks, firewall: firewall).fate == .rejected)
        #expect(evaluate(Build.guestOutbound(), hooks: Build.forwardedHooks, firewall: firewall).fate == .accepted)
    }
}
