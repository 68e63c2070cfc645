/// A socket bound to a port that matters for guest networking (DNS 53, DHCP 67, DHCPv6 547).
public struct Listener: Codable, Equatable, Sendable, Hashable {
    public enum Transport: String, Codable, Sendable, Hashable { case tcp, udp }
    public struct Process: Codable, Equatable, Sendable, Hashable {
        public var pid: Int
        /// `comm` of the process (`dnsmasq`, `systemd-resolve`...).
        public var command: String
        public init(pid: Int, command: String) {
            self.pid = pid
            self.command = command
        }
    }

    public var transport: Transport
    public var address: IPAddress
    public var port: Int
    /// Interface the socket is bound to (`SO_BINDTODEVICE`), when known.
    public var boundDevice: String?
    public var processes: [Process]

    public init(transport: Transport, address: IPAddress, port: Int, boundDevice: String? = nil,
                processes: [Process] = []) {
        self.transport = transport
        self.address = address
        self.port = port
        self.boundDevice = boundDevice
        self.processes = processes
    }
}
