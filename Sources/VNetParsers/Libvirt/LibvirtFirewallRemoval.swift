import VNetModel

/// The `<firewall name='fwRemoval' backend=...>` record of a status file (libvirt >= 10.4): the
/// commands libvirt will run to undo the rules it added, which tells which backend made them.
/// Each `<action layer=...><args><item>` becomes one command line, named by the tool that runs it.
struct LibvirtFirewallRemoval {
    var backend: FirewallBackend?
    var commands: [String]

    /// nil when the status file has no record (libvirt before 10.4).
    init?(_ node: XMLTree?, interpreter: LibvirtNetworkXML) throws {
        guard let node else { return nil }
        switch node["backend"] {
        case nil: backend = nil
        case .some(let text):
            guard let b = FirewallBackend(rawValue: text) else {
                throw interpreter.fail(node, "unknown firewall backend '\(text)'")
            }
            backend = b
        }
        var commands: [String] = []
        for group in node.children("group") {
            for action in group.children("action") {
                let layer = action["layer"] ?? ""
                guard let tool = Self.tool(layer: layer, backend: backend) else {
                    throw interpreter.fail(action, "unknown firewall layer '\(layer)'")
                }
                let args = action.child("args")?.children("item").map { Self.quoted($0.text) } ?? []
                commands.append(([tool] + args).joined(separator: " "))
            }
        }
        self.commands = commands
    }

    /// Without a `backend=` attribute the record predates the nftables backend, so it is iptables.
    private static func tool(layer: String, backend: FirewallBackend?) -> String? {
        switch (layer, backend ?? .iptables) {
        case ("tc", _): return "tc"
        case ("ipv4", .nftables), ("ipv6", .nftables): return "nft"
        case ("ipv4", .iptables): return "iptables"
        case ("ipv6", .iptables): return "ip6tables"
        case ("ethernet", .iptables): return "ebtables"
        default: return nil
        }
    }

    /// Shell-style single quotes for arguments that would otherwise split or vanish.
    private static func quoted(_ arg: String) -> String {
        guard arg.isEmpty || arg.contains(where: { $0 == " " || $0 == "\t" || $0 == "'" || $0 == "\"" }) else { return arg }
        return "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
