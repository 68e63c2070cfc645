import Foundation
import VNetModel

/// Reads libvirt's network files: persistent definitions, live status files and `network.conf`.
public enum LibvirtXMLParser {
    /// A `<network>` definition (`/etc/libvirt/qemu/networks/NAME.xml`). The result is marked
    /// persistent and inactive; the reader sets `active` and `autostart` from the other files.
    public static func parseNetwork(_ data: Data, file: String) throws -> LibvirtNetwork {
        try LibvirtNetworkXML(file: file).network(XMLTree.parse(data, file: file), active: false, persistent: true)
    }

    /// A live status file (`/run/libvirt/network/NAME.xml`): a `<networkstatus>` wrapper (or a bare
    /// `<network>` from older libvirt) with the `fwRemoval` firewall record since libvirt 10.4.
    /// The result is marked active and not persistent; the reader sets `persistent`.
    public static func parseStatus(_ data: Data, file: String) throws -> LibvirtNetwork {
        let root = try XMLTree.parse(data, file: file)
        let interpreter = LibvirtNetworkXML(file: file)
        switch root.name {
        case "network":
            return try interpreter.network(root, active: true, persistent: false)
        case "networkstatus":
            guard let networkNode = root.child("network") else {
                throw interpreter.fail(root, "<networkstatus> has no <network>")
            }
            var network = try interpreter.network(networkNode, active: true, persistent: false)
            if let record = try LibvirtFirewallRemoval(root.children("firewall").first { $0["name"] == "fwRemoval" },
                                                       interpreter: interpreter) {
                network.recordedFirewallBackend = record.backend
                network.recordedFirewallRemoval = record.commands
            }
            return network
        default:
            throw interpreter.fail(root, "expected <networkstatus> or <network>, found <\(root.name)>")
        }
    }

    /// `firewall_backend` of `/etc/libvirt/network.conf` (libvirt's config syntax: `key = "value"`,
    /// `#` comments). nil when the setting is absent or commented out. Other settings are skipped
    /// unread, so only a bad `firewall_backend` value is an error.
    public static func parseNetworkConf(_ text: String, file: String) throws -> FirewallBackend? {
        var backend: FirewallBackend?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let equals = line.firstIndex(of: "="),
                  line[..<equals].trimmingCharacters(in: .whitespaces) == "firewall_backend" else { continue }
            let value = configValue(line[line.index(after: equals)...])
            guard let b = FirewallBackend(rawValue: value) else {
                throw LibvirtXMLError(file: file, line: index + 1, column: line.distance(from: line.startIndex, to: equals) + 1,
                                      message: "firewall_backend '\(value)' is neither \"iptables\" nor \"nftables\"")
            }
            backend = b
        }
        return backend
    }

    /// The value after `=`: a quoted string up to its closing quote, or a bare word up to a comment.
    private static func configValue(_ text: Substring) -> String {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        if let quote = trimmed.first, quote == "\"" || quote == "'" {
            return String(trimmed.dropFirst().prefix { $0 != quote })
        }
        return String(trimmed.prefix { $0 != "#" }).trimmingCharacters(in: .whitespaces)
    }
}
