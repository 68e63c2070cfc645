/// libvirt's virtual networks as defined (`/etc/libvirt/qemu/networks`) and as running
/// (`/run/libvirt/network`), plus what libvirt recorded about its firewall and dnsmasq.

public struct LibvirtState: Codable, Equatable, Sendable {
    /// `firewall_backend` from `/etc/libvirt/network.conf`, nil when unset (libvirt picks its default).
    public var configuredFirewallBackend: FirewallBackend?
    public var networks: [LibvirtNetwork]
    /// Host bridges no libvirt network creates but `<forward mode='bridge'>` networks use, or any
    /// other bridge on the host (`br0` with the NIC enslaved).
    public var unmanagedBridges: [String]

    public init(configuredFirewallBackend: FirewallBackend? = nil, networks: [LibvirtNetwork] = [],
                unmanagedBridges: [String] = []) {
        self.configuredFirewallBackend = configuredFirewallBackend
        self.networks = networks
        self.unmanagedBridges = unmanagedBridges
    }

    public func network(named name: String) -> LibvirtNetwork? { networks.first { $0.name == name } }
}

public enum FirewallBackend: String, Codable, Sendable, Hashable {
    case iptables, nftables
}

/// `<forward mode=...>`; `isolated` stands for a network without `<forward>`.
public enum ForwardMode: String, Codable, Sendable, Hashable, CaseIterable {
    case nat, route, open, bridge, `private`, vepa, passthrough, hostdev, isolated
}

public struct LibvirtNetwork: Codable, Equatable, Sendable, Hashable {
    public var name: String
    public var uuid: String?
    /// Running now (a status file under /run/libvirt/network exists).
    public var active: Bool
    /// Has a definition under /etc/libvirt/qemu/networks (transient networks do not).
    public var persistent: Bool
    public var autostart: Bool
    public var forward: Forward
    public var bridge: BridgeConfig?
    public var mac: String?
    public var mtu: Int?
    public var domain: String?
    public var ips: [NetworkIP]
    /// Static `<route>` elements of the network.
    public var routes: [NetworkRoute]
    public var dns: DNSConfig?
    /// The firewall backend libvirt recorded in the status file (`<firewall name='fwRemoval' backend=...>`).
    public var recordedFirewallBackend: FirewallBackend?
    /// The undo commands of `fwRemoval`, as recorded: tells which rules libvirt believes it added.
    public var recordedFirewallRemoval: [String]
    public var dnsmasq: DnsmasqState?
    /// Files this network was read from (definition, status), for evidence.
    public var sourceFiles: [String]

    public init(name: String, uuid: String? = nil, active: Bool, persistent: Bool, autostart: Bool,
                forward: Forward, bridge: BridgeConfig? = nil, mac: String? = nil, mtu: Int? = nil,
                domain: String? = nil, ips: [NetworkIP] = [], routes: [NetworkRoute] = [], dns: DNSConfig? = nil,
                recordedFirewallBackend: FirewallBackend? = nil, recordedFirewallRemoval: [String] = [],
                dnsmasq: DnsmasqState? = nil, sourceFiles: [String] = []) {
        self.name = name
        self.uuid = uuid
        self.active = active
        self.persistent = persistent
        self.autostart = autostart
        self.forward = forward
        self.bridge = bridge
        self.mac = mac
        self.mtu = mtu
        self.domain = domain
        self.ips = ips
        self.routes = routes
        self.dns = dns
        self.recordedFirewallBackend = recordedFirewallBackend
        self.recordedFirewallRemoval = recordedFirewallRemoval
        self.dnsmasq = dnsmasq
        self.sourceFiles = sourceFiles
    }

    public var mode: ForwardMode { forward.mode }
    public var subnets: [IPPrefix] { ips.compactMap(\.prefix) }
}

public struct Forward: Codable, Equatable, Sendable, Hashable {
    public var mode: ForwardMode
    /// `dev=` of `<forward>`: the only uplink the rules allow.
    public var dev: String?
    /// `<interface dev=...>` children (bridge/macvtap pools).
    public var interfaces: [String]
    public var nat: NATConfig?

    public init(mode: ForwardMode, dev: String? = nil, interfaces: [String] = [], nat: NATConfig? = nil) {
        self.mode = mode
        self.dev = dev
        self.interfaces = interfaces
        self.nat = nat
    }
}

public struct NATConfig: Codable, Equatable, Sendable, Hashable {
    public var addressStart: IPAddress?
    public var addressEnd: IPAddress?
    public var portStart: Int?
    public var portEnd: Int?
    /// `<nat ipv6='yes'/>`: IPv6 is masqueraded too (otherwise it is routed).
    public var ipv6: Bool

    public init(addressStart: IPAddress? = nil, addressEnd: IPAddress? = nil, portStart: Int? = nil,
                portEnd: Int? = nil, ipv6: Bool = false) {
        self.addressStart = addressStart
        self.addressEnd = addressEnd
        self.portStart = portStart
        self.portEnd = portEnd
        self.ipv6 = ipv6
    }
}

public struct BridgeConfig: Codable, Equatable, Sendable, Hashable {
    public var name: String?
    public var stp: Bool?
    public var delay: Int?
    public var macTableManager: String?
    /// firewalld zone libvirt puts the bridge in.
    public var zone: String?

    public init(name: String?, stp: Bool? = nil, delay: Int? = nil, macTableManager: String? = nil,
                zone: String? = nil) {
        self.name = name
        self.stp = stp
        self.delay = delay
        self.macTableManager = macTableManager
        self.zone = zone
    }
}

public struct NetworkIP: Codable, Equatable, Sendable, Hashable {
    public struct Range: Codable, Equatable, Sendable, Hashable {
        public var start: IPAddress
        public var end: IPAddress
        public init(start: IPAddress, end: IPAddress) {
            self.start = start
            self.end = end
        }
    }
    public struct Host: Codable, Equatable, Sendable, Hashable {
        public var mac: String?
        public var name: String?
        public var ip: IPAddress?
        public init(mac: String?, name: String?, ip: IPAddress?) {
            self.mac = mac
            self.name = name
            self.ip = ip
        }
    }

    public var family: AddressFamily
    /// The host's address on the bridge.
    public var address: IPAddress
    public var prefixLength: Int
    public var dhcpRanges: [Range]
    public var dhcpHosts: [Host]
    public var tftpRoot: String?

    public init(family: AddressFamily, address: IPAddress, prefixLength: Int, dhcpRanges: [Range] = [],
                dhcpHosts: [Host] = [], tftpRoot: String? = nil) {
        self.family = family
        self.address = address
        self.prefixLength = prefixLength
        self.dhcpRanges = dhcpRanges
        self.dhcpHosts = dhcpHosts
        self.tftpRoot = tftpRoot
    }

    public var prefix: IPPrefix? { IPPrefix(address, length: prefixLength) }
}

public struct NetworkRoute: Codable, Equatable, Sendable, Hashable {
    public var destination: IPPrefix
    public var gateway: IPAddress
    public var metric: Int?
    public init(destination: IPPrefix, gateway: IPAddress, metric: Int? = nil) {
        self.destination = destination
        self.gateway = gateway
        self.metric = metric
    }
}

public struct DNSConfig: Codable, Equatable, Sendable, Hashable {
    /// `<dns enable='no'>` turns DNS off; nil means default (on).
    public var enabled: Bool?
    public var forwardPlainNames: Bool?
    public var forwarders: [String]
    public var hosts: [String]

    public init(enabled: Bool? = nil, forwardPlainNames: Bool? = nil, forwarders: [String] = [], hosts: [String] = []) {
        self.enabled = enabled
        self.forwardPlainNames = forwardPlainNames
        self.forwarders = forwarders
        self.hosts = hosts
    }
}

/// The dnsmasq libvirt starts for a network (pid file beside the status file).
public struct DnsmasqState: Codable, Equatable, Sendable, Hashable {
    public var pidFile: String
    public var pid: Int?
    /// The pid exists and its command is dnsmasq.
    public var running: Bool
    public var configFile: String?
    public var leaseCount: Int?

    public init(pidFile: String, pid: Int?, running: Bool, configFile: String? = nil, leaseCount: Int? = nil) {
        self.pidFile = pidFile
        self.pid = pid
        self.running = running
        self.configFile = configFile
        self.leaseCount = leaseCount
    }
}
