import VNetEvaluate
import VNetModel

/// One address family of a libvirt network as its claims test it: the bridge, the host's address on it,
/// guest addresses from its subnet, and the uplinks with a destination beyond each.
struct ClaimSite {
    let network: LibvirtNetwork
    let ip: NetworkIP
    let bridge: String
    let subnet: IPPrefix
    /// The first DHCP-range address, else the first host address that is not the bridge's own.
    let guest: IPAddress
    /// Another address on the bridge (same-bridge traffic); nil in a subnet with room for one guest.
    let otherGuest: IPAddress?
    let uplinks: [Uplink]

    var family: AddressFamily { ip.family }
    /// The host's own address on the bridge (DHCP and DNS server).
    var hostAddress: IPAddress { ip.address }
    /// `network default (virbr0, IPv4 192.168.122.0/24)`, for messages.
    var label: String { "network \(network.name) (\(bridge), \(familyName(family)) \(subnet))" }

    /// The sites of `network`: its first `<ip>` of each family. Nil for a network without a bridge
    /// name or whose subnet leaves no room for a guest (the reason is returned instead).
    static func sites(of network: LibvirtNetwork, on host: HostState) -> Result<[ClaimSite], SiteProblem> {
        guard let bridge = network.bridge?.name else {
            return .failure(SiteProblem("network \(network.name) names no bridge: no packet can be placed on it"))
        }
        var sites: [ClaimSite] = []
        for family in AddressFamily.allCases {
            guard let ip = network.ips.first(where: { $0.family == family }), let subnet = ip.prefix else { continue }
            guard let guest = firstGuest(ip, subnet) else {
                return .failure(SiteProblem("\(familyName(family)) subnet \(subnet) of network \(network.name) has no room for a guest"))
            }
            let other = nextFree(after: guest, in: subnet, avoiding: [ip.address])
            sites.append(ClaimSite(network: network, ip: ip, bridge: bridge, subnet: subnet, guest: guest,
                                   otherGuest: other,
                                   uplinks: Uplink.uplinks(of: network, family: family, bridge: bridge,
                                                           guest: guest, on: host)))
        }
        return .success(sites)
    }

    private static func firstGuest(_ ip: NetworkIP, _ subnet: IPPrefix) -> IPAddress? {
        if let start = ip.dhcpRanges.first?.start, subnet.contains(start) { return start }
        return nextFree(after: subnet.network, in: subnet, avoiding: [ip.address])
    }

    /// The next address after `address` inside `subnet` that is none of `avoiding` nor the IPv4 broadcast.
    private static func nextFree(after address: IPAddress, in subnet: IPPrefix, avoiding: [IPAddress]) -> IPAddress? {
        var candidate = address
        for _ in 0..<3 {
            guard let next = candidate.advanced(by: 1), subnet.contains(next) else { return nil }
            candidate = next
            let isBroadcast = subnet.family == .ipv4 && subnet.length < 31 && next.advanced(by: 1).map { !subnet.contains($0) } ?? true
            if !avoiding.contains(next) && !isBroadcast { return next }
        }
        return nil
    }
}

/// Why a network's packets could not be placed.
struct SiteProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// A way out of the host for one family: the device, a destination routed through it, and the host's own
/// address on it (where a LAN router sends a routed subnet).
struct Uplink {
    /// nil when the host has no uplink of the family: the trials then show where routing sends guests.
    let device: String?
    /// A destination beyond the uplink (a documentation address when nothing is routed through it,
    /// so the trials show where routing sends it instead).
    let external: IPAddress
    /// How `external` was chosen, for messages.
    let externalOrigin: String
    let hostAddress: IPAddress?

    /// How `external` was chosen, when it is not simply the uplink's gateway; nil otherwise.
    var chosenDestinationNote: String? {
        externalOrigin.hasPrefix("the gateway") ? nil : "\(external) is \(externalOrigin)"
    }

    /// The forward dev of `network` when it names one, else the devices of the family's default routes;
    /// one uplink without a device when there is neither.
    static func uplinks(of network: LibvirtNetwork, family: AddressFamily, bridge: String, guest: IPAddress,
                        on host: HostState) -> [Uplink] {
        let devices = network.forward.dev.map { [$0] }
            ?? BridgeTopology(host: host).defaultRouteDevices().filter { $0.family == family }.map(\.device)
        let named = devices.filter { $0 != bridge }
        guard !named.isEmpty else {
            return [Uplink(device: nil, external: documentationAddresses(family)[0],
                           externalOrigin: "a documentation address (no \(familyName(family)) default route and no forward dev)",
                           hostAddress: nil)]
        }
        return named.map { device in
            let hostAddress = host.addresses(of: device).first { $0.family == family && $0.scope == .global }
            let (external, origin) = destination(through: device, family: family, bridge: bridge, guest: guest,
                                                 hostAddress: hostAddress, on: host)
            return Uplink(device: device, external: external, externalOrigin: origin, hostAddress: hostAddress?.address)
        }
    }

    /// RFC 5737 / RFC 3849 addresses: never a real peer.
    private static func documentationAddresses(_ family: AddressFamily) -> [IPAddress] {
        let texts = family == .ipv4 ? ["192.0.2.1", "198.51.100.1", "203.0.113.1"] : ["2001:db8::1", "2001:db8:ffff::1"]
        return texts.compactMap { IPAddress($0) }
    }

    /// The gateway of a default route through `device`; else a documentation address that routing sends
    /// from the guest out of `device` and that is on no local subnet; else the first other address of the
    /// device's own subnet; else the first documentation address, saying so.
    private static func destination(through device: String, family: AddressFamily, bridge: String,
                                    guest: IPAddress, hostAddress: InterfaceAddress?,
                                    on host: HostState) -> (IPAddress, String) {
        let gateway = host.routes.lazy
            .filter { $0.table == Route.mainTable && $0.family == family && $0.destination.length == 0 && $0.type == .unicast }
            .flatMap(\.nextHops)
            .first { $0.device == device && $0.gateway != nil }?.gateway
        if let gateway { return (gateway, "the gateway of the default route via \(device)") }
        let localSubnets = host.addresses.map(\.prefix)
        for address in documentationAddresses(family) where !localSubnets.contains(where: { $0.contains(address) }) {
            let decision = decideRoute(RoutingRequest(source: guest, destination: address, inputInterface: bridge), on: host)
            if case .forward(device, _, _) = decision.outcome {
                return (address, "a documentation address routed via \(device)")
            }
        }
        if let own = hostAddress, let neighbour = own.prefix.network.advanced(by: 1), own.prefix.contains(neighbour) {
            let peer = neighbour == own.address ? neighbour.advanced(by: 1) : neighbour
            if let peer, own.prefix.contains(peer) { return (peer, "an address on the subnet of \(device)") }
        }
        return (documentationAddresses(family)[0], "a documentation address: no \(familyName(family)) destination is routed through \(device)")
    }
}

func familyName(_ family: AddressFamily) -> String { family == .ipv4 ? "IPv4" : "IPv6" }

extension IPAddress {
    /// The address `offset` further on, nil past the end of the family's space.
    func advanced(by offset: UInt64) -> IPAddress? {
        switch family {
        case .ipv4:
            let (sum, overflow) = UInt32(truncatingIfNeeded: low).addingReportingOverflow(UInt32(truncatingIfNeeded: offset))
            return overflow || offset > UInt64(UInt32.max) ? nil : IPAddress(ipv4: sum)
        case .ipv6:
            let (newLow, carry) = low.addingReportingOverflow(offset)
            if !carry { return IPAddress(ipv6High: high, low: newLow) }
            let (newHigh, overflow) = high.addingReportingOverflow(1)
            return overflow ? nil : IPAddress(ipv6High: newHigh, low: newLow)
        }
    }
}
