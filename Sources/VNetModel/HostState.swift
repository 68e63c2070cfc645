import Foundation

/// Everything vnetaudit knows about one host at one moment. Judging works from this value alone,
/// so it must be complete: what could not be read is recorded in `coverage` and `notes`, never
/// silently left empty (an empty rule list and an unread rule list mean different things).
public struct HostState: Codable, Equatable, Sendable {
    /// Bumped whenever the JSON shape changes incompatibly; documented in docs/model.md.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var hostname: String
    public var kernelRelease: String?
    public var collectedAt: Date
    /// Which parts were read, and from where.
    public var coverage: Coverage
    public var links: [Link]
    public var addresses: [InterfaceAddress]
    public var routes: [Route]
    public var policyRules: [PolicyRule]
    public var sysctls: Sysctls
    public var firewall: Firewall
    public var libvirt: LibvirtState
    /// Sockets bound to the DNS and DHCP ports (53, 67, 547), with their owning processes.
    public var listeners: [Listener]
    /// Problems met while collecting (a table that could not be read, a file that did not parse).
    public var notes: [CollectionNote]

    public init(schemaVersion: Int = HostState.currentSchemaVersion, hostname: String,
                kernelRelease: String? = nil, collectedAt: Date, coverage: Coverage = Coverage(),
                links: [Link] = [], addresses: [InterfaceAddress] = [], routes: [Route] = [],
                policyRules: [PolicyRule] = [], sysctls: Sysctls = Sysctls(), firewall: Firewall = Firewall(),
                libvirt: LibvirtState = LibvirtState(), listeners: [Listener] = [], notes: [CollectionNote] = []) {
        self.schemaVersion = schemaVersion
        self.hostname = hostname
        self.kernelRelease = kernelRelease
        // Whole seconds, so the date survives a JSON round trip exactly (live == snapshot).
        self.collectedAt = Date(timeIntervalSince1970: collectedAt.timeIntervalSince1970.rounded(.down))
        self.coverage = coverage
        self.links = links
        self.addresses = addresses
        self.routes = routes
        self.policyRules = policyRules
        self.sysctls = sysctls
        self.firewall = firewall
        self.libvirt = libvirt
        self.listeners = listeners
        self.notes = notes
    }

    public func link(named name: String) -> Link? { links.first { $0.name == name } }
    public func link(index: Int) -> Link? { links.first { $0.index == index } }
    public func addresses(of linkName: String) -> [InterfaceAddress] { addresses.filter { $0.linkName == linkName } }
}

/// Where the model came from, part by part. A part that was not read is `notCollected`, so a later
/// judgement can say "inconclusive" instead of reasoning from an empty list.
public struct Coverage: Codable, Equatable, Sendable {
    public enum Origin: String, Codable, Sendable {
        /// Read from the running kernel / daemon state through its library.
        case live
        /// Read from a file the user supplied (iptables-save text, nft JSON, libvirt XML).
        case file
        case notCollected = "not-collected"
    }

    public var links: Origin
    public var routes: Origin
    public var sysctls: Origin
    public var nftables: Origin
    public var legacyIPv4: Origin
    public var legacyIPv6: Origin
    public var libvirt: Origin
    public var listeners: Origin

    public init(links: Origin = .notCollected, routes: Origin = .notCollected, sysctls: Origin = .notCollected,
                nftables: Origin = .notCollected, legacyIPv4: Origin = .notCollected,
                legacyIPv6: Origin = .notCollected, libvirt: Origin = .notCollected,
                listeners: Origin = .notCollected) {
        self.links = links
        self.routes = routes
        self.sysctls = sysctls
        self.nftables = nftables
        self.legacyIPv4 = legacyIPv4
        self.legacyIPv6 = legacyIPv6
        self.libvirt = libvirt
        self.listeners = listeners
    }
}

/// A problem met while collecting, kept with the model so reports can show it.
public struct CollectionNote: Codable, Equatable, Sendable, Hashable {
    public enum Severity: String, Codable, Sendable { case info, warning, error }
    public var severity: Severity
    /// Which collector: `netlink`, `libiptc`, `nftables`, `libvirt`, `sysctl`, `listeners`.
    public var source: String
    public var message: String

    public init(_ severity: Severity, source: String, _ message: String) {
        self.severity = severity
        self.source = source
        self.message = message
    }
}
