import VNetModel

/// Matches whose value the packet alone does not hold but the host decides: the packet type the
/// receiving device gave it, the connection's mark, and nft's `fib` route lookups.
extension MatchEvaluator {
    /// `meta pkttype` / `-m pkttype`: what the link layer called the packet. A packet the host sends is
    /// `host`; a received one is `broadcast` when sent to 255.255.255.255 or to the subnet broadcast of
    /// an address of its in-interface, `multicast` for a multicast group, `host` otherwise (routed and
    /// delivered packets were sent to the host's MAC). A frame bridged to another port is `other` in
    /// the bridge family's chains; br_netfilter hands it to the ip chains as `host`.
    func packetType() -> PacketField.Lookup {
        guard let device = probe.inInterface, hook != .output else { return .value(.flags(["host"])) }
        if probe.destinationIsUnknown { return .unknown }
        let otherHost = table.family == .bridge && probe.bridgePortOut != nil
        switch linkLayerType(of: probe.destination, receivedOn: device, addressTypes: addressTypes) {
        case nil: return .unknown
        case "host"?: return .value(.flags([otherHost ? "other" : "host"]))
        case let type?: return .value(.flags([type]))
        }
    }
}

/// What the link layer called a packet sent to `destination` and received on `device`: `multicast` for a
/// group, `broadcast` for 255.255.255.255 or the subnet broadcast of an IPv4 address of the device (from
/// its addresses, else from the local table's broadcast routes), else `host` (sent to the host's MAC).
/// Nil for an IPv4 destination when neither the addresses nor the routes were read.
func linkLayerType(of destination: IPAddress, receivedOn device: String, addressTypes: AddressTypes?) -> String? {
    if destination.isMulticast { return "multicast" }
    if destination.family == .ipv4 && destination.low == 0xFFFF_FFFF { return "broadcast" }
    guard destination.family == .ipv4 else { return "host" }
    guard let types = addressTypes else { return nil }
    let subnetBroadcast: Bool
    if types.addressesKnown {
        subnetBroadcast = types.host.addresses.contains { a in
            guard a.linkName == device, a.address.family == .ipv4, (0..<31).contains(a.prefixLength),
                  IPPrefix(a.address, length: a.prefixLength).contains(destination) else { return false }
            let networkBits = (UInt64(UInt32.max) << UInt64(32 - a.prefixLength)) & 0xFFFF_FFFF
            return destination.low | networkBits == 0xFFFF_FFFF
        }
    } else if types.routesKnown {
        subnetBroadcast = types.routes.contains { route in
            route.table == Route.localTable && route.type == .broadcast && route.destination.contains(destination)
                && route.nextHops.contains { $0.device == device }
        }
    } else {
        return nil
    }
    return subnetBroadcast ? "broadcast" : "host"
}

extension MatchEvaluator {

    /// `ct mark` / `-m connmark`: the connection's mark as the walk carries it (0 for a new connection,
    /// changed by `ct mark set` on the way); unknown when the caller did not give it for an existing
    /// connection, or a rule set it behind an undecidable match. No conntrack entry: the match breaks.
    func conntrackMark() -> PacketField.Lookup {
        guard [.new, .established, .related].contains(probe.conntrack) else { return .absent }
        return probe.conntrackMark.map { .value(.number($0)) } ?? .unknown
    }

    /// `fib KEYS type|oif|oifname`: the route lookup the kernel's fib expression makes, redone on the
    /// host's routes. The lookup is for the key address (`saddr`: the reverse path) as from the host
    /// itself (`iif lo` to policy rules), with the packet mark only under `mark`; `iif`/`oif` restrict
    /// the answer to that device. A route found is named by its device; none (or a blackhole,
    /// unreachable or prohibit route, or one out of another device than `iif`) is the empty name,
    /// which `missing` matches. Unknown when the routes cannot decide it.
    func fibLookup(keyFlags: [String], result: String) -> PacketField.Lookup {
        guard let types = addressTypes else { return .unknown }
        let bySource = keyFlags.contains("saddr")
        if !bySource && probe.destinationIsUnknown { return .unknown }
        let key = bySource ? probe.source : probe.destination
        let inDevice = hook == .output ? nil : probe.inInterface
        let outDevice = [.forward, .output, .postrouting].contains(hook) ? probe.outInterface : nil
        let device = keyFlags.contains("iif") ? inDevice : keyFlags.contains("oif") ? outDevice : nil
        switch result {
        case "type": return fibAddressType(key, on: device, restricted: device != nil, types: types)
        case "oif", "oifname": break
        default: return .unknown
        }
        if keyFlags.contains("iif") || keyFlags.contains("oif"), device == nil { return .unknown }
        // The kernel answers these without a lookup: the in-device itself.
        if let inDevice, [.prerouting, .input].contains(hook), inDevice == "lo" { return .value(.name(inDevice)) }
        if let inDevice, key.family == .ipv4, key.isUnspecified,
           probe.destination.low == 0xFFFF_FFFF || probe.destination.low >> 8 == 0xE0_0000 {
            return .value(.name(inDevice))  // DHCP from 0.0.0.0 to broadcast or 224.0.0.0/24
        }
        // An IPv6 link-local or multicast key is looked up on the restricting device only.
        if key.family == .ipv6, key.isLinkLocal || key.isMulticast, let device { return .value(.name(device)) }
        let mark: UInt32? = keyFlags.contains("mark") ? probe.mark.flatMap { UInt32(exactly: $0) } : 0
        let request = RoutingRequest(source: bySource ? probe.destination : probe.source, destination: key,
                                     inputInterface: nil, mark: mark)
        let found: String?
        switch decideRoute(request, on: types.host).outcome {
        case .forward(let egress, _, _):
            found = egress
        case .local(let egress):
            // IPv6 refuses local routes; IPv4 takes local but not broadcast ones.
            found = key.family == .ipv6 || types.type(of: key) == "broadcast" ? "" : egress
        case .dropped, .noRoute:
            found = ""
        case .unknown:
            return .unknown
        }
        guard let found else { return .unknown }  // a route without a device
        if let device, !found.isEmpty, found != device { return .value(.name("")) }
        return .value(.name(found))
    }

    /// `fib KEY type`: the address type (`addrtype`'s answer); with `iif`/`oif` only the device's own
    /// addresses are `local` (others of the host are `unicast` there).
    private func fibAddressType(_ key: IPAddress, on device: String?, restricted: Bool, types: AddressTypes) -> PacketField.Lookup {
        if restricted && device == nil { return .unknown }
        guard let type = types.type(of: key) else { return .unknown }
        if type == "local", let device, types.addressesKnown,
           !types.host.addresses.contains(where: { $0.linkName == device && $0.address == key }) {
            return .value(.flags(["unicast"]))
        }
        return .value(.flags([type]))
    }
}
