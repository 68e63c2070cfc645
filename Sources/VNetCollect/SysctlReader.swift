import Foundation
import VNetModel

/// Reads the kernel settings that decide forwarding and filtering of guest traffic from /proc/sys
/// (files, never the `sysctl` command). /proc/sys/net shows the network namespace of the reading
/// thread, so this works inside `NetworkNamespace.run`.
///
/// Keys are dotted names. A link's keys use its /proc/sys directory name as it is, dots included:
/// link `eth0.100` gives `net.ipv4.conf.eth0.100.rp_filter` (the `sysctl` command would write
/// `eth0/100`), so `Sysctls.rpFilter(link:)` finds it by the link's name. A key whose file does
/// not exist (a bridge key without br_netfilter, IPv6 turned off for a link) is absent.
public enum SysctlReader {
    /// Global keys; the `net.bridge` ones exist only while br_netfilter is loaded.
    static let globalKeys = [
        "net.ipv4.ip_forward",
        "net.bridge.bridge-nf-call-iptables",
        "net.bridge.bridge-nf-call-ip6tables",
        "net.bridge.bridge-nf-call-arptables",
        // Whether VLAN-tagged bridged frames go through the iptables hooks as well.
        "net.bridge.bridge-nf-filter-vlan-tagged",
        // How full the conntrack table is (both exist only while nf_conntrack is loaded).
        "net.netfilter.nf_conntrack_count",
        "net.netfilter.nf_conntrack_max",
    ]
    /// Per-interface IPv4 keys: forwarding, reverse-path filtering, proxy ARP on bridges.
    static let ipv4InterfaceKeys = ["forwarding", "rp_filter", "proxy_arp"]
    /// Per-interface IPv6 keys: forwarding, IPv6 switched off, router advertisements accepted
    /// (a forwarding host ignores them unless accept_ra is 2).
    static let ipv6InterfaceKeys = ["forwarding", "disable_ipv6", "accept_ra"]

    public static func read(linkNames: [String]) -> Sysctls {
        read(linkNames: linkNames, root: "/proc/sys")
    }

    /// `root` is /proc/sys, or a copy of its layout in tests.
    static func read(linkNames: [String], root: String) -> Sysctls {
        var values: [String: String] = [:]
        for key in keys(linkNames: linkNames) {
            let path = root + "/" + key.path
            if let value = readValue(path) { values[key.name] = value }
        }
        return Sysctls(values: values)
    }

    /// Every key to read, with its dotted name and its path below /proc/sys.
    static func keys(linkNames: [String]) -> [(name: String, path: String)] {
        var keys = globalKeys.map { (name: $0, path: $0.replacingOccurrences(of: ".", with: "/")) }
        // A name with a slash cannot be a directory (the kernel forbids it in interface names).
        let interfaces = ["all", "default"] + linkNames.filter { !$0.contains("/") && $0 != "." && $0 != ".." && !$0.isEmpty }
        for (family, settings) in [("ipv4", ipv4InterfaceKeys), ("ipv6", ipv6InterfaceKeys)] {
            for interface in interfaces {
                for setting in settings {
                    keys.append((name: "net.\(family).conf.\(interface).\(setting)",
                                 path: "net/\(family)/conf/\(interface)/\(setting)"))
                }
            }
        }
        return keys
    }

    /// The file's text without surrounding whitespace; nil when it cannot be read.
    private static func readValue(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
