import Foundation
import VNetModel
import VNetParsers

/// Real rule sets saved for the parser tests (Tests/VNetParsersTests/Fixtures), loaded through the parsers.
enum RuleSetFixtures {
    /// libvirt's nftables backend: networks default (nat, virbr0), routed (virbr1), isolated (virbr2).
    static func libvirtNftables() throws -> Firewall {
        Firewall(tables: try NftJSONDecoder.decode(data("nft/libvirt-nftables.json"), file: "libvirt-nftables.json"))
    }

    /// libvirt's iptables backend, the same three networks (uplink eth0).
    static func libvirtIptables() throws -> Firewall {
        try iptables("libvirt.v4.save")
    }

    /// Docker's legacy rules: FORWARD policy DROP, docker0, a published port 8080.
    static func docker() throws -> Firewall {
        try iptables("docker.v4.save")
    }

    private static func iptables(_ name: String) throws -> Firewall {
        let text = String(decoding: try data("iptables/\(name)"), as: UTF8.self)
        return Firewall(tables: try IptablesSaveParser.parse(text, family: .ipv4, system: .xtables, file: name))
    }

    private static func data(_ path: String) throws -> Data {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return try Data(contentsOf: tests.appendingPathComponent("VNetParsersTests/Fixtures/\(path)"))
    }
}
