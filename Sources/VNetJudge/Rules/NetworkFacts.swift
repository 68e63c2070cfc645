import VNetModel

/// Facts about a libvirt network on a host that several rules need: its bridge, its uplinks, and
/// stand-in addresses for the packets the rules walk.
extension LibvirtNetwork {
    /// The bridge libvirt created (or, for `bridge` mode, the host bridge it uses).
    var bridgeName: String? { bridge?.name }

    /// The network's address blocks of `family`.
    func ips(_ family: AddressFamily) -> [NetworkIP] { ips.filter { $0.family == family } }

    /// The families the network has addresses in, IPv4 first.
    var families: [AddressFamily] { AddressFamily.allCases.filter { !ips($0).isEmpty } }

    /// Whether libvirt's dnsmasq serves DNS (on unless `<dns enable='no'>`).
    var servesDNS: Bool { dns?.enabled != false }

    /// Whether dnsmasq serves DHCP on `ip`.
    func servesDHCP(_ ip: NetworkIP) -> Bool { !ip.dhcpRanges.isEmpty || !ip.dhcpHosts.isEmpty }
}

extension NetworkIP {
    /// A guest address to walk packets from: the first DHCP address, or the first host address that is
    /// not the bridge's own.
    var guestAddress: IPAddress {
        if let start = dhcpRanges.first?.start { return start }
        let base = IPAddress.offset(address.masked(to: prefixLength), by: 1)
        return base == address ? IPAddress.offset(base, by: 1) : base
    }
}

extension IPAddress {
    /// `address` plus `count` in its last 64 bits (enough for stand-in host addresses).
    static func offset(_ address: IPAddress, by count: UInt64) -> IPAddress {
        switch address.family {
        case .ipv4: return IPAddress(ipv4: UInt32(truncatingIfNeeded: address.low &+ count))
        case .ipv6: return IPAddress(ipv6High: address.high, low: address.low &+ count)
        }
    }
}

extension HostState {
    /// The interfaces a network's guests leave through in `family`: its forward dev, or the devices of the
    /// main table's default routes.
    func uplinks(of network: LibvirtNetwork, _ family: AddressFamily) -> [String] {
        if let dev = network.forward.dev { return [dev] }
        var seen: [String] = []
        for hop in defaultRoutes(family).flatMap(\.nextHops) {
            if let device = hop.device, !seen.contains(device) { seen.append(device) }
        }
        return seen
    }

    /// A host beyond `uplink` to walk packets to: the gateway of a default route through it, or a
    /// documentation address when it has none.
    func outsideAddress(_ family: AddressFamily, via uplink: String) -> IPAddress {
        let gateway = defaultRoutes(family).flatMap(\.nextHops).first { $0.device == uplink }?.gateway
        return gateway ?? (family == .ipv4 ? IPAddress(ipv4: 0xC000_0201) : IPAddress(ipv6High: 0x2001_0db8_ffff_0000, low: 1))
    }

    private func defaultRoutes(_ family: AddressFamily) -> [Route] {
        routes.filter { $0.family == family && $0.table == Route.mainTable && $0.destination.length == 0 && $0.type == .unicast }
    }

    /// The links enslaved to `bridge`, by their `master`.
    func ports(of bridge: String) -> [Link] { links.filter { $0.master == bridge } }
}

/// Names that read well in messages.
extension AddressFamily {
    var label: String { self == .ipv4 ? "IPv4" : "IPv6" }
}
