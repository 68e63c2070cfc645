import VNetParsers

/// The three directories libvirt keeps network state in. Configurable so a libvirtd running with
/// other paths (a private mount namespace, a test tree) can be read too.
public struct LibvirtPaths: Sendable, Equatable {
    /// Definitions, autostart links, network.conf (`/etc/libvirt`).
    public var configDir: String
    /// Live status files and dnsmasq pid files (`/run/libvirt`).
    public var runDir: String
    /// dnsmasq configs and leases (`/var/lib/libvirt`).
    public var libDir: String

    public init(configDir: String, runDir: String, libDir: String) {
        self.configDir = configDir
        self.runDir = runDir
        self.libDir = libDir
    }

    public static let system = LibvirtPaths(configDir: LibvirtProcessRecord.systemDirectories.configDir,
                                            runDir: LibvirtProcessRecord.systemDirectories.runDir,
                                            libDir: LibvirtProcessRecord.systemDirectories.libDir)
}
