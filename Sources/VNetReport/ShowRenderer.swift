import Foundation
import VNetModel

/// `vnetaudit show`: a readable summary of one host's model, section by section. Output depends only
/// on the model (no clock, no environment), so the same snapshot always renders the same text.
public enum ShowRenderer {
    public static func render(_ host: HostState, color: Bool) -> String {
        let style = TextStyle(enabled: color)
        var lines = header(host, style)
        lines += [""] + LibvirtSection(host: host, style: style).lines()
        lines += [""] + FirewallSection(host: host, style: style).lines()
        lines += [""] + HostSettingsSection(host: host, style: style).forwardingLines()
        lines += [""] + HostSettingsSection(host: host, style: style).listenerLines()
        lines += [""] + bpfPrograms(host, style)
        lines += [""] + notes(host, style)
        return lines.joined(separator: "\n") + "\n"
    }

    static func header(_ host: HostState, _ style: TextStyle) -> [String] {
        let c = host.coverage
        let parts: [(String, Coverage.Origin)] = [
            ("links", c.links), ("routes", c.routes), ("sysctls", c.sysctls), ("nftables", c.nftables),
            ("legacy IPv4", c.legacyIPv4), ("legacy IPv6", c.legacyIPv6), ("libvirt", c.libvirt), ("listeners", c.listeners),
        ]
        let coverage = parts.map { name, origin in
            let text = "\(name) \(origin.rawValue)"
            return origin == .notCollected ? style.warn(text) : text
        }
        return [
            style.bold("host \(host.hostname)"),
            "  kernel     \(host.kernelRelease ?? "unknown")",
            "  collected  \(ModelJSON.format(host.collectedAt))",
            "  sources    \(coverage.joined(separator: ", "))",
        ]
    }

    /// Every BPF program attached to a link: they act where the firewall section cannot show them.
    static func bpfPrograms(_ host: HostState, _ style: TextStyle) -> [String] {
        let title = style.bold("BPF programs on links")
        guard host.coverage.links != .notCollected else { return [title, "  links not collected"] }
        guard host.links.contains(where: { $0.bpfPrograms != nil }) else {
            return [title, style.dim("  not read (the state predates their collection)")]
        }
        let lines = host.links.flatMap { link in
            (link.bpfPrograms ?? []).map { "  " + style.warn(link.name) + "  " + $0.summary }
        }
        return [title] + (lines.isEmpty ? ["  none"] : lines)
    }

    static func notes(_ host: HostState, _ style: TextStyle) -> [String] {
        guard !host.notes.isEmpty else { return [style.bold("collection notes"), "  none"] }
        return [style.bold("collection notes")] + host.notes.map { note in
            let severity: String
            switch note.severity {
            case .info: severity = "info"
            case .warning: severity = style.warn("warning")
            case .error: severity = style.bad("error")
            }
            return "  \(severity) \(note.source): \(note.message)"
        }
    }
}
