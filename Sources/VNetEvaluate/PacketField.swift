import VNetModel

/// What a packet holds for one match field at one hook.
enum PacketField: Equatable {
    case name(String)
    case number(UInt64)
    case address(IPAddress)
    case flags(Set<String>)

    /// How a field lookup came out.
    enum Lookup: Equatable {
        case value(PacketField)
        /// The packet has no such field (a TCP port of a UDP packet, an IPv4 address of an IPv6 packet,
        /// `iif` of a locally generated packet): the kernel breaks the rule, whatever the operator.
        case absent
        /// The evaluator does not know the field or the probe did not say.
        case unknown
    }

    /// The value of `field` for `probe` at `hook`. Interfaces exist only where the kernel has them:
    /// no output interface before routing (prerouting, input), no input interface for local packets.
    static func lookup(_ field: MatchField, in probe: PacketProbe, at hook: Hook) -> Lookup {
        let inName = hook == .output ? nil : probe.inInterface
        let outName = [.forward, .output, .postrouting].contains(hook) ? probe.outInterface : nil
        switch field {
        // nft stores an empty name when there is no device, so `iifname != "x"` still matches.
        case .iifname: return .value(.name(inName ?? ""))
        case .oifname: return .value(.name(outName ?? ""))
        // `iif`/`oif` compare interface indexes (listed as names); without a device the rule breaks.
        case MatchField("meta.iif"): return inName.map { .value(.name($0)) } ?? .absent
        case MatchField("meta.oif"): return outName.map { .value(.name($0)) } ?? .absent
        case .l4proto, MatchField("ip.protocol"):
            if field.rawValue == "ip.protocol", probe.family != .ipv4 { return .absent }
            return .value(.number(UInt64(probe.l4Protocol)))
        case .nfproto: return .value(.number(probe.family == .ipv4 ? 2 : 10))
        case .mark: return probe.mark.map { .value(.number($0)) } ?? .unknown
        case .ipSaddr, .ipDaddr, .ip6Saddr, .ip6Daddr:
            let wanted: AddressFamily = field.rawValue.hasPrefix("ip6.") ? .ipv6 : .ipv4
            guard probe.family == wanted else { return .absent }
            if field.rawValue.hasSuffix("daddr"), probe.destinationIsUnknown { return .unknown }
            return .value(.address(field.rawValue.hasSuffix("saddr") ? probe.source : probe.destination))
        case .tcpSport, .tcpDport, .udpSport, .udpDport, .thSport, .thDport:
            guard carriesPorts(field, probe.l4Protocol) else { return .absent }
            let port = field.rawValue.hasSuffix("sport") ? probe.sourcePort : probe.destinationPort
            return port.map { .value(.number(UInt64($0))) } ?? .unknown
        case .icmpType, .icmpCode, .icmpv6Type, .icmpv6Code:
            let v6 = field.rawValue.hasPrefix("icmpv6.")
            guard probe.l4Protocol == (v6 ? 58 : 1), probe.family == (v6 ? .ipv6 : .ipv4) else { return .absent }
            let value = field.rawValue.hasSuffix("type") ? probe.icmpType : probe.icmpCode
            return value.map { .value(.number(UInt64($0))) } ?? .unknown
        case .ctState: return .value(.flags([probe.conntrack.rawValue]))
        default: return .unknown
        }
    }

    /// `tcp`/`udp` ports exist only in their protocol; `th` ports in any port-carrying protocol.
    private static func carriesPorts(_ field: MatchField, _ proto: UInt8) -> Bool {
        switch field.rawValue.prefix(while: { $0 != "." }) {
        case "tcp": return proto == 6
        case "udp": return proto == 17
        default: return [6, 17, 33, 132, 136].contains(proto)
        }
    }
}
