/// Network interfaces as the kernel reports them (rtnetlink), with bridge and port details.

public enum LinkKind: String, Codable, Sendable, Hashable {
    case loopback, physical, bridge, veth, tun, tap, macvtap, macvlan, ipvlan, vlan, vxlan, bond
    case dummy, wireguard, gre, ipip, sit, team
    case other
}

public enum OperState: String, Codable, Sendable, Hashable {
    case unknown, notPresent = "notpresent", down, lowerLayerDown = "lowerlayerdown", testing, dormant, up
}

public struct Link: Codable, Equatable, Sendable, Hashable {
    public var index: Int
    public var name: String
    public var kind: LinkKind
    /// The raw rtnetlink kind string (`IFLA_INFO_KIND`), kept when `kind` is `.other`.
    public var kindName: String?
    public var mac: String?
    public var mtu: Int
    public var operState: OperState
    /// `IFF_UP`: administratively up.
    public var adminUp: Bool
    /// `IFF_LOWER_UP`: carrier present.
    public var carrier: Bool
    /// Name of the bridge (or bond) this link is enslaved to.
    public var master: String?
    /// The lower device of a vlan/macvlan/macvtap (`IFLA_LINK`), by name when it is in this namespace.
    public var parent: String?
    /// veth peer or other link that lives in another network namespace (`IFLA_LINK_NETNSID` set).
    public var peerInOtherNamespace: Bool
    public var vlanID: Int?
    /// macvlan/macvtap mode (`bridge`, `vepa`, `private`, `passthru`, `source`).
    public var macvlanMode: String?
    /// The device is a wireless NIC (`/sys/class/net/NAME/wireless` or `phy80211`).
    public var wireless: Bool
    public var bridge: BridgeInfo?
    public var bridgePort: BridgePortInfo?
    /// BPF programs attached at XDP or a tc clsact hook: they act on packets where netfilter rules
    /// cannot be seen. nil when they were not read (older snapshots), empty when there are none.
    public var bpfPrograms: [BPFAttachment]?

    public init(index: Int, name: String, kind: LinkKind, kindName: String? = nil, mac: String? = nil,
                mtu: Int, operState: OperState, adminUp: Bool, carrier: Bool, master: String? = nil,
                parent: String? = nil, peerInOtherNamespace: Bool = false, vlanID: Int? = nil,
                macvlanMode: String? = nil, wireless: Bool = false, bridge: BridgeInfo? = nil,
                bridgePort: BridgePortInfo? = nil, bpfPrograms: [BPFAttachment]? = nil) {
        self.index = index
        self.name = name
        self.kind = kind
        self.kindName = kindName
        self.mac = mac
        self.mtu = mtu
        self.operState = operState
        self.adminUp = adminUp
        self.carrier = carrier
        self.master = master
        self.parent = parent
        self.peerInOtherNamespace = peerInOtherNamespace
        self.vlanID = vlanID
        self.macvlanMode = macvlanMode
        self.wireless = wireless
        self.bridge = bridge
        self.bridgePort = bridgePort
        self.bpfPrograms = bpfPrograms
    }
}

/// Options of a bridge device (`IFLA_BR_*`).
public struct BridgeInfo: Codable, Equatable, Sendable, Hashable {
    public var stpEnabled: Bool
    public var vlanFiltering: Bool
    /// Forward delay in centiseconds, as the kernel keeps it.
    public var forwardDelay: Int?
    /// Per-bridge `IFLA_BR_NF_CALL_IPTABLES` etc. (nil when the kernel does not report them).
    public var nfCallIptables: Bool?
    public var nfCallIp6tables: Bool?
    public var nfCallArptables: Bool?
    /// Names of the enslaved ports, sorted.
    public var ports: [String]

    public init(stpEnabled: Bool, vlanFiltering: Bool, forwardDelay: Int? = nil, nfCallIptables: Bool? = nil,
                nfCallIp6tables: Bool? = nil, nfCallArptables: Bool? = nil, ports: [String] = []) {
        self.stpEnabled = stpEnabled
        self.vlanFiltering = vlanFiltering
        self.forwardDelay = forwardDelay
        self.nfCallIptables = nfCallIptables
        self.nfCallIp6tables = nfCallIp6tables
        self.nfCallArptables = nfCallArptables
        self.ports = ports
    }
}

/// A bridge port's state (`IFLA_BRPORT_*`, `IFLA_PROTINFO`).
public struct BridgePortInfo: Codable, Equatable, Sendable, Hashable {
    public enum STPState: String, Codable, Sendable, Hashable {
        case disabled, listening, learning, forwarding, blocking, unknown
    }
    public var bridge: String
    public var stpState: STPState
    public var cost: Int?
    public var priority: Int?
    public var learning: Bool?
    public var isolated: Bool?

    public init(bridge: String, stpState: STPState, cost: Int? = nil, priority: Int? = nil,
                learning: Bool? = nil, isolated: Bool? = nil) {
        self.bridge = bridge
        self.stpState = stpState
        self.cost = cost
        self.priority = priority
        self.learning = learning
        self.isolated = isolated
    }
}

/// One address on one interface (`RTM_NEWADDR`).
public struct InterfaceAddress: Codable, Equatable, Sendable, Hashable {
    public enum Scope: String, Codable, Sendable, Hashable { case global, site, link, host, nowhere, other }
    public var linkName: String
    public var linkIndex: Int
    public var address: IPAddress
    public var prefixLength: Int
    public var scope: Scope
    /// `tentative`, `dadfailed`, `deprecated`, `permanent`, `noprefixroute`...
    public var flags: [String]

    public init(linkName: String, linkIndex: Int, address: IPAddress, prefixLength: Int, scope: Scope,
                flags: [String] = []) {
        self.linkName = linkName
        self.linkIndex = linkIndex
        self.address = address
        self.prefixLength = prefixLength
        self.scope = scope
        self.flags = flags
    }

    public var family: AddressFamily { address.family }
    public var prefix: IPPrefix { IPPrefix(address, length: prefixLength) }
}
