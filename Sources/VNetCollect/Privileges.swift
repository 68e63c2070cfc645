import Foundation

/// What the process lacks to read live firewall state: libiptc (`IPT_SO_GET_INFO`) and nfnetlink
/// dumps of nf_tables need `CAP_NET_ADMIN` in the network namespace, which root normally has.
/// Netlink route dumps, /proc/sys and /proc/net need nothing.
public enum Privileges {
    /// `CAP_NET_ADMIN` (linux/capability.h).
    static let netAdminCapability = 12

    /// What is missing to read live state (e.g. "CAP_NET_ADMIN (run as root)"), empty when all is there.
    public static func missingForLiveCollection() -> [String] {
        let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        return missing(effectiveCapabilities: status.flatMap { effectiveCapabilities(status: $0) }, isRoot: geteuid() == 0)
    }

    /// From the effective capability set when known; from the user id when it is not.
    static func missing(effectiveCapabilities: UInt64?, isRoot: Bool) -> [String] {
        let hasNetAdmin = effectiveCapabilities.map { $0 & (1 << UInt64(netAdminCapability)) != 0 } ?? isRoot
        return hasNetAdmin ? [] : ["CAP_NET_ADMIN (run as root)"]
    }

    /// The `CapEff:` line of /proc/PID/status (hex bit mask); nil when absent or malformed.
    static func effectiveCapabilities(status: String) -> UInt64? {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            return UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        }
        return nil
    }
}
