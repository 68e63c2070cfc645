import VNetModel

/// The kernel switches that decide forwarding, and the sockets serving DNS/DHCP to guests.
struct HostSettingsSection {
    let host: HostState
    let style: TextStyle

    /// Global forwarding and bridge-netfilter keys always; per-interface forwarding and rp_filter keys
    /// when the host has them.
    func forwardingLines() -> [String] {
        var out = [style.bold("forwarding sysctls")]
        guard host.coverage.sysctls != .notCollected else { return out + ["  " + style.warn("not collected")] }
        let always = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.bridge.bridge-nf-call-iptables",
                      "net.bridge.bridge-nf-call-ip6tables", "net.bridge.bridge-nf-call-arptables"]
        let perInterface = host.sysctls.values.keys.filter { key in
            !always.contains(key) && (key.hasSuffix(".rp_filter") || key.hasSuffix(".forwarding"))
                && (key.hasPrefix("net.ipv4.conf.") || key.hasPrefix("net.ipv6.conf."))
        }.sorted()
        let width = (always + perInterface).map(\.count).max() ?? 0
        for key in always + perInterface {
            let label = key.padding(toLength: width, withPad: " ", startingAt: 0)
            guard let value = host.sysctls[key] else {
                let why = key.hasPrefix("net.bridge.") ? "absent (br_netfilter not loaded)" : "absent"
                out.append("  \(label) = " + style.dim(why))
                continue
            }
            let off = key.hasSuffix("forward") || key.hasSuffix(".forwarding") ? value == "0" : false
            out.append("  \(label) = " + (off ? style.warn(value) : value))
        }
        return out
    }

    func listenerLines() -> [String] {
        var out = [style.bold("DNS/DHCP listeners")]
        guard host.coverage.listeners != .notCollected else { return out + ["  " + style.warn("not collected")] }
        let sorted = host.listeners.sorted {
            ($0.port, $0.address, $0.transport.rawValue, $0.boundDevice ?? "") < ($1.port, $1.address, $1.transport.rawValue, $1.boundDevice ?? "")
        }
        if sorted.isEmpty { out.append("  none") }
        for l in sorted {
            let address = l.address.family == .ipv6 ? "[\(l.address)]" : "\(l.address)"
            var text = "  \(l.transport.rawValue) \(address):\(l.port)"
            if let device = l.boundDevice { text += " on \(device)" }
            let owners = l.processes.map { "\($0.command) (\($0.pid))" }
            text += "  " + (owners.isEmpty ? "owner unknown" : owners.joined(separator: ", "))
            out.append(text)
        }
        return out
    }
}
