import VNetModel

/// What the live reader saw outside the files: the directories it read and whether each network's
/// dnsmasq pid was alive. Saved as `libvirt/processes.json` beside the raw files so that reading a
/// snapshot gives the same `LibvirtState` as reading the host did (pids are not re-checked offline).
public struct LibvirtProcessRecord: Codable, Equatable, Sendable {
    public static let bundlePath = "libvirt/processes.json"

    public struct Dnsmasq: Codable, Equatable, Sendable {
        /// Network name (the pid file's name without `.pid`).
        public var network: String
        public var pid: Int?
        /// `/proc/PID/comm` when the pid existed.
        public var command: String?
        /// The pid existed and its command was `dnsmasq`.
        public var running: Bool

        public init(network: String, pid: Int?, command: String?, running: Bool) {
            self.network = network
            self.pid = pid
            self.command = command
            self.running = running
        }
    }

    public var configDir: String
    public var runDir: String
    public var libDir: String
    /// One entry per pid file read, sorted by network.
    public var dnsmasq: [Dnsmasq]

    public init(configDir: String, runDir: String, libDir: String, dnsmasq: [Dnsmasq] = []) {
        self.configDir = configDir
        self.runDir = runDir
        self.libDir = libDir
        self.dnsmasq = dnsmasq
    }

    /// libvirt's own defaults for a system daemon.
    public static let systemDirectories = LibvirtProcessRecord(configDir: "/etc/libvirt", runDir: "/run/libvirt",
                                                               libDir: "/var/lib/libvirt")
}
