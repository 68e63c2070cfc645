import VNetModel

/// The source address `masquerade` gives a packet leaving by a device, chosen the way the kernel
/// chooses it, not from the route's `src`: IPv4 takes `inet_select_addr(out, nexthop, RT_SCOPE_UNIVERSE)`
/// (the first primary global address of the device whose subnet holds the next hop, else its first
/// primary global address, else the first of another device); IPv6 takes the device's source address
/// for the destination (`ipv6_dev_get_saddr`, reduced here to: a usable global address of the device with
/// the longest prefix in common with the destination).
struct MasqueradeSource {
    let host: HostState
    /// The next hop of the route the packet took (its gateway, or the destination itself on link); nil
    /// when no route was taken, which reads as on link.
    let nextHop: IPAddress?

    /// Nil when the model holds no address to take (or no addresses at all).
    func address(leaving device: String, to destination: IPAddress) -> IPAddress? {
        guard host.coverage.links != .notCollected else { return nil }
        let usable = host.addresses.filter { candidate in
            candidate.family == destination.family && candidate.scope == .global
                && !candidate.flags.contains { ["secondary", "tentative", "dadfailed", "deprecated"].contains($0) }
        }
        let own = usable.filter { $0.linkName == device }
        switch destination.family {
        case .ipv4:
            let hop = nextHop ?? destination
            return (own.first { $0.prefix.contains(hop) } ?? own.first ?? usable.first)?.address
        case .ipv6:
            return own.max { commonPrefixLength($0.address, destination) < commonPrefixLength($1.address, destination) }?.address
        }
    }

    private func commonPrefixLength(_ a: IPAddress, _ b: IPAddress) -> Int {
        let high = (a.high ^ b.high).leadingZeroBitCount
        return high < 64 ? high : 64 + (a.low ^ b.low).leadingZeroBitCount
    }
}
