import Foundation
import VNetModel
@testable import VNetParsers

/// The iptables-save fixtures of Tests/VNetParsersTests/Fixtures/iptables (saved from iptables-legacy-save -c).
enum IptablesFixtures {
    static let all: [(name: String, family: AddressFamily)] = [
        ("libvirt.v4.save", .ipv4), ("libvirt.v6.save", .ipv6), ("docker.v4.save", .ipv4),
        ("kube-proxy.v4.save", .ipv4), ("extensions.v4.save", .ipv4), ("extensions.v6.save", .ipv6),
    ]

    static func text(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures/iptables/\(name)", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func parse(_ name: String, family: AddressFamily) throws -> [FirewallTable] {
        try IptablesSaveParser.parse(text(name), family: family, system: .xtables, file: name)
    }
}

extension [FirewallTable] {
    /// The rule whose text is exactly `text` (the save line without counters).
    func rule(_ table: String, _ text: String) -> FirewallRule? {
        first { $0.name == table }?.chains.lazy.flatMap(\.rules).first { $0.text == text }
    }
}
