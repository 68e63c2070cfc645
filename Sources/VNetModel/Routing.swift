/// Routing tables and policy rules (`RTM_NEWROUTE`, `RTM_NEWRULE`).

public struct Route: Codable, Equatable, Sendable, Hashable {
    public enum RouteType: String, Codable, Sendable, Hashable {
        case unicast, local, broadcast, anycast, multicast, blackhole, unreachable, prohibit, `throw`, nat, other
    }
    public struct NextHop: Codable, Equatable, Sendable, Hashable {
        public var gateway: IPAddress?
        public var device: String?
        public var weight: Int?
        public init(gateway: IPAddress?, device: String?, weight: Int? = nil) {
            self.gateway = gateway
            self.device = device
            self.weight = weight
        }
    }

    public var family: AddressFamily
    /// 254 main, 255 local, 253 default; others by number.
    public var table: Int
    public var type: RouteType
    public var destination: IPPrefix
    /// Preferred source address (`src`).
    public var preferredSource: IPAddress?
    /// `kernel`, `boot`, `static`, `dhcp`, `ra`... or the number.
    public var protocolName: String
    public var scope: String
    public var metric: Int?
    /// One entry for an ordinary route; several for multipath.
    public var nextHops: [NextHop]

    public init(family: AddressFamily, table: Int, type: RouteType, destination: IPPrefix,
                preferredSource: IPAddress? = nil, protocolName: String, scope: String, metric: Int? = nil,
                nextHops: [NextHop] = []) {
        self.family = family
        self.table = table
        self.type = type
        self.destination = destination
        self.preferredSource = preferredSource
        self.protocolName = protocolName
        self.scope = scope
        self.metric = metric
        self.nextHops = nextHops
    }

    public static let mainTable = 254
    public static let localTable = 255
}

public struct PolicyRule: Codable, Equatable, Sendable, Hashable {
    public var family: AddressFamily
    public var priority: Int
    /// `lookup` (to table), `blackhole`, `unreachable`, `prohibit`, `goto`, `nop`.
    public var action: String
    public var table: Int?
    public var from: IPPrefix?
    public var to: IPPrefix?
    public var inputInterface: String?
    public var outputInterface: String?
    public var fwmark: UInt32?
    public var fwmask: UInt32?
    public var invert: Bool
    /// `suppress_prefixlength N`: a route this rule's lookup finds with a prefix of N bits or fewer is
    /// ignored and the next rule is tried (wg-quick's `table main suppress_prefixlength 0`).
    public var suppressPrefixLength: Int?
    /// Selectors the model does not evaluate (`uidrange`, `ipproto`, `sport`, `dport`, `tun_id`,
    /// `suppress_ifgroup`, `l3mdev`), by the names `ip rule` prints: whether the rule applies is unknown.
    public var unmodelledSelectors: [String]?

    public init(family: AddressFamily, priority: Int, action: String, table: Int? = nil, from: IPPrefix? = nil,
                to: IPPrefix? = nil, inputInterface: String? = nil, outputInterface: String? = nil,
                fwmark: UInt32? = nil, fwmask: UInt32? = nil, invert: Bool = false, suppressPrefixLength: Int? = nil,
                unmodelledSelectors: [String]? = nil) {
        self.family = family
        self.priority = priority
        self.action = action
        self.table = table
        self.from = from
        self.to = to
        self.inputInterface = inputInterface
        self.outputInterface = outputInterface
        self.fwmark = fwmark
        self.fwmask = fwmask
        self.invert = invert
        self.suppressPrefixLength = suppressPrefixLength
        self.unmodelledSelectors = unmodelledSelectors
    }

    /// One of the three rules the kernel starts with (`0: lookup local`, `32766: lookup main`,
    /// `32767: lookup default`), with no selector.
    public var isKernelDefault: Bool {
        guard action == "lookup", from == nil, to == nil, inputInterface == nil, outputInterface == nil, fwmark == nil,
              !invert, suppressPrefixLength == nil, unmodelledSelectors?.isEmpty ?? true else { return false }
        switch (priority, table) {
        case (0, Route.localTable?), (32766, Route.mainTable?), (32767, 253?): return true
        default: return false
        }
    }
}
