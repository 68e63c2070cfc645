import VNetModel

/// What one audit looks at: the host's state and the libvirt networks selected (all by default).
public struct AuditScope: Sendable {
    public var host: HostState
    public var networks: [LibvirtNetwork]

    public init(host: HostState, networks: [LibvirtNetwork]? = nil) {
        self.host = host
        self.networks = networks ?? host.libvirt.networks
    }
}

/// A finding and what it is about: a network by name, or the host as a whole (nil).
public struct ScopedFinding: Sendable, Hashable {
    public var network: String?
    public var finding: Finding

    public init(network: String?, finding: Finding) {
        self.network = network
        self.finding = finding
    }
}
