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

    /// The value of `field` for `probe` at `hook` in a table of `family`. Interfaces exist only where
    /// the kernel has them: no output interface before routing (prerouting, input), no input interface
    /// for local packets, nor at POSTROUTING for a bridged frame. Bridge tables see the bridge ports as
    /// `iifname`/`oifname` and the bridge as `ibrname`/`obrname`.
    static func lookup(_ field: MatchField, in probe: PacketProbe, at hook: Hook, family: TableFamily) -> Lookup {
        let bridged = probe.bridgePortOut != nil
        let hasOut = [.forward, .output, .postrouting].contains(hook)
        var inName = hook == .output || (bridged && hook == .postrouting) ? nil : probe.inInterface
        var outName = hasOut ? probe.outInterface : nil
        if family == .bridge {
            switch field {
            case MatchField("meta.ibrname"): return .value(.name(inName ?? ""))
            case MatchField("meta.obrname"): return .value(.name(outName ?? ""))
            // A port the caller did not name is unknown, not absent.
            case .iifname, MatchField("meta.iif"):
                if ![.output, .postrouting].contains(hook) && probe.bridgePortIn == nil { return .unknown }
            default: break
            }
            inName = [.output, .postrouting].contains(hook) ? nil : probe.bridgePortIn
            outName = hasOut ? probe.bridgePortOut : nil
        }
        switch field {
        // nft stores an empty name when there is no device, so `iifname != "x"` still matches.
        case .iifname: return .value(.name(inName ?? ""))
        case .oifname: return .value(.name(outName ?? ""))
        // `iif`/`oif` compare interface indexes (listed as names); without a device the rule breaks.
        case MatchField("meta.iif"): return inName.map { .value(.name($0)) } ?? .absent
        case MatchField("meta.oif"): return outName.map { .value(.name($0)) } ?? .absent
        case .l4proto: return .value(.number(UInt64(probe.l4Protocol)))
        case MatchField("ip.protocol"):
            return probe.family == .ipv4 ? .value(.number(UInt64(probe.l4Protocol))) : .absent
        case .nfproto: return .value(.number(probe.family == .ipv4 ? 2 : 10))
        case .mark: return probe.mark.map { .value(.number($0)) } ?? .unknown
        case .ipSaddr, .ip6Saddr:
            guard probe.family == (field == .ipSaddr ? .ipv4 : .ipv6) else { return .absent }
            return probe.sourceIsUnknown ? .unknown : .value(.address(probe.source))
        case .ipDaddr, .ip6Daddr:
            guard probe.family == (field == .ipDaddr ? .ipv4 : .ipv6) else { return .absent }
            return probe.destinationIsUnknown ? .unknown : .value(.address(probe.destination))
        case .tcpSport, .udpSport, .thSport:
            return number(probe.sourcePort, carried: carriesPorts(field, probe.l4Protocol))
        case .tcpDport, .udpDport, .thDport:
            return number(probe.destinationPort, carried: carriesPorts(field, probe.l4Protocol))
        case .icmpType, .icmpCode:
            return number(field == .icmpType ? probe.icmpType : probe.icmpCode, carried: probe.l4Protocol == 1 && probe.family == .ipv4)
        case .icmpv6Type, .icmpv6Code:
            return number(field == .icmpv6Type ? probe.icmpType : probe.icmpCode, carried: probe.l4Protocol == 58 && probe.family == .ipv6)
        case .ipTTL, .ip6HopLimit:
            let ttl = probe.ttl.map { hopsLeft($0, in: probe, at: hook) }
            return number(ttl, carried: probe.family == (field == .ipTTL ? .ipv4 : .ipv6))
        // Probes carry no IPv6 extension headers: every routing-header match breaks, negated or not, as
        // the kernel's rt match does when it finds no such header.
        case _ where field.rawValue.hasPrefix("ip6.rt."): return .absent
        case .ipDSCP, .ip6DSCP: return number(probe.dscp, carried: probe.family == (field == .ipDSCP ? .ipv4 : .ipv6))
        case .length: return number(probe.length, carried: true)
        case MatchField("ip.length"): return number(probe.length, carried: probe.family == .ipv4)
        // The IPv6 header's payload length leaves out its own 40 bytes.
        case MatchField("ip6.length"):
            return number(probe.length.flatMap { $0 >= 40 ? $0 - 40 : nil }, carried: probe.family == .ipv6)
        case .tcpFlags:
            guard probe.l4Protocol == 6 else { return .absent }
            if let flags = probe.tcpFlags { return .value(.flags(flags)) }
            return probe.conntrack == .new ? .value(.flags(["syn"])) : .unknown
        case .ctState: return .value(.flags([probe.conntrack.rawValue]))
        case .ctDirection:
            guard [.new, .established, .related].contains(probe.conntrack) else { return .absent }
            return .value(.flags([probe.conntrack == .new ? "original" : probe.direction.rawValue]))
        default: return .unknown
        }
    }

    /// TTL / hop limit at `hook`: a forwarded packet loses one in routing, before FORWARD (`ip_forward`,
    /// `ip6_forward`); a bridged frame and local traffic keep theirs.
    private static func hopsLeft(_ ttl: UInt8, in probe: PacketProbe, at hook: Hook) -> UInt8 {
        let forwarded = probe.inInterface != nil && probe.bridgePortOut == nil && [.forward, .postrouting].contains(hook)
        return forwarded && ttl > 0 ? ttl - 1 : ttl
    }

    /// A header number the packet carries (or not); nil when the probe did not say.
    private static func number(_ value: (some FixedWidthInteger)?, carried: Bool) -> Lookup {
        guard carried else { return .absent }
        return value.map { .value(.number(UInt64($0))) } ?? .unknown
    }

    /// `tcp`/`udp` ports exist only in their protocol; `th` ports in any port-carrying protocol.
    private static func carriesPorts(_ field: MatchField, _ proto: UInt8) -> Bool {
        switch field {
        case .tcpSport, .tcpDport: return proto == 6
        case .udpSport, .udpDport: return proto == 17
        default: return [6, 17, 33, 132, 136].contains(proto)
        }
    }
}
