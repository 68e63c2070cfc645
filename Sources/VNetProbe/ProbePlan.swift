import VNetModel

/// Where a probe sends: an address and, for TCP, a port (nil: `ProbePlan.defaultTCPPort`).
public struct ProbeTarget: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16?

    public init(address: IPAddress, port: UInt16? = nil) {
        self.address = address
        self.port = port
    }

    /// `ADDR`, `ADDR:PORT`, `[V6ADDR]:PORT` or a bare IPv6 address; nil when it is none of those.
    public init?(argument text: String) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            guard let address = IPAddress(text[text.index(after: text.startIndex)..<close]), address.family == .ipv6 else { return nil }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { self.init(address: address); return }
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()), port > 0 else { return nil }
            self.init(address: address, port: port)
        } else if let address = IPAddress(text) {
            self.init(address: address)
        } else if let colon = text.lastIndex(of: ":"), let address = IPAddress(text[..<colon]), address.family == .ipv4,
                  let port = UInt16(text[text.index(after: colon)...]), port > 0 {
            self.init(address: address, port: port)
        } else {
            return nil
        }
    }

    public var description: String {
        guard let port else { return address.description }
        return address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}

/// One address family of one probe port: its subnet, the host's address on the bridge (the probe's
/// gateway, DHCP and DNS server), the free addresses to try in order, and the targets.
public struct ProbeFamilyPlan: Sendable, Hashable {
    public var family: AddressFamily
    public var prefixLength: Int
    public var hostAddress: IPAddress
    public var candidates: [IPAddress]
    public var targets: [ProbeTarget]
    /// The network's DHCP server answers on this family (IPv4 ranges: a discover is sent).
    public var servesDHCP: Bool
}

/// The probe port of one network: which bridge, which families, and why a network is not probed.
public struct ProbePortPlan: Sendable, Hashable {
    public var network: String
    public var mode: ForwardMode
    public var bridge: String
    public var families: [ProbeFamilyPlan]
}

/// Works out the probe ports of a scope from the model alone (pure). Addresses in use: the host's,
/// static DHCP hosts, leases and neighbours given by the caller; DHCP ranges are avoided when the
/// subnet has room outside them.
public enum ProbePlan {
    /// The TCP port probed when `--probe-target` names none (a closed port answers with a reset, which
    /// is an answer as much as an accept is).
    public static let defaultTCPPort: UInt16 = 443
    /// The port the probe listens on for inbound probes from `--probe-peer`.
    public static let inboundPort: UInt16 = 47_080
    static let candidateCount = 12

    /// One plan per active network of a mode that has a bridge of its own (nat, route, open, isolated),
    /// and the networks left out with the reason.
    public static func plans(networks: [LibvirtNetwork], host: HostState, targets: [ProbeTarget],
                             inUse: Set<IPAddress>) -> (ports: [ProbePortPlan], skipped: [(network: String, reason: String)]) {
        var ports: [ProbePortPlan] = []
        var skipped: [(String, String)] = []
        let topology = BridgeTopology(host: host)
        let busy = inUse.union(host.addresses.map(\.address))
        for network in networks {
            guard network.active else { skipped.append((network.name, "not active")); continue }
            guard [.nat, .route, .open, .isolated].contains(network.mode), let bridge = network.bridge?.name else {
                skipped.append((network.name, "mode \(network.mode.rawValue) has no libvirt bridge of its own to attach a probe port to"))
                continue
            }
            let uplinks = network.mode == .isolated ? topology.defaultRouteDevices().map(\.device) : topology.uplinks(of: network)
            var families: [ProbeFamilyPlan] = []
            for ip in network.ips {
                guard let prefix = ip.prefix, !families.contains(where: { $0.family == ip.family }) else { continue }
                let statics = Set(ip.dhcpHosts.compactMap(\.ip))
                let chosen = targets.isEmpty ? gateways(of: ip.family, on: uplinks, host: host) : targets.filter { $0.address.family == ip.family }
                families.append(ProbeFamilyPlan(
                    family: ip.family, prefixLength: ip.prefixLength, hostAddress: ip.address,
                    candidates: candidates(in: prefix, avoiding: busy.union(statics), ranges: ip.dhcpRanges),
                    targets: chosen, servesDHCP: ip.family == .ipv4 && !ip.dhcpRanges.isEmpty))
            }
            guard !families.isEmpty else { skipped.append((network.name, "it has no <ip> address")); continue }
            ports.append(ProbePortPlan(network: network.name, mode: network.mode, bridge: bridge, families: families))
        }
        return (ports, skipped)
    }

    /// The gateways of the main table's default routes of `family` through `uplinks`.
    static func gateways(of family: AddressFamily, on uplinks: [String], host: HostState) -> [ProbeTarget] {
        var seen = Set<IPAddress>()
        return host.routes.filter { $0.table == Route.mainTable && $0.family == family && $0.destination.length == 0 }
            .flatMap(\.nextHops)
            .filter { hop in hop.device.map(uplinks.contains) ?? false }
            .compactMap(\.gateway)
            .filter { seen.insert($0).inserted }
            .map { ProbeTarget(address: $0) }
    }

    /// Addresses to try, most likely free first: from the top of the subnet down (outside the DHCP
    /// ranges, then inside), or for subnets wider than 2^16 a recognizable `…:766e:6170:0:N` (IPv6).
    static func candidates(in prefix: IPPrefix, avoiding busy: Set<IPAddress>, ranges: [NetworkIP.Range]) -> [IPAddress] {
        let hostBits = prefix.network.bitWidth - prefix.length
        var pool: [IPAddress] = []
        if prefix.family == .ipv6 && hostBits > 16 {
            pool = (1...UInt64(candidateCount * 2)).map {
                IPAddress(ipv6High: prefix.network.high, low: prefix.network.low | 0x766e_6170_0000_0000 >> UInt64(max(0, 64 - min(64, hostBits))) | $0)
            }
        } else if hostBits >= 2 {
            let count = UInt64(1) << UInt64(min(hostBits, 16))
            // The last address of an IPv4 subnet is its broadcast; start below it.
            let top = count - (prefix.family == .ipv4 ? 2 : 1)
            pool = stride(from: top, through: 1, by: -1).prefix(4096).map { offset in
                prefix.family == .ipv4 ? IPAddress(ipv4: UInt32(truncatingIfNeeded: prefix.network.low + offset))
                                       : IPAddress(ipv6High: prefix.network.high, low: prefix.network.low | offset)
            }
        }
        let free = pool.filter { !busy.contains($0) && prefix.contains($0) }
        let inRange = { (a: IPAddress) in ranges.contains { $0.start.family == a.family && $0.start <= a && a <= $0.end } }
        return Array((free.filter { !inRange($0) } + free.filter(inRange)).prefix(candidateCount))
    }
}
