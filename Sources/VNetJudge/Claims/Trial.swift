import VNetEvaluate
import VNetModel

/// The transport of a test packet: protocol and ports, or an ICMP echo.
struct Service: Hashable {
    let l4Protocol: UInt8
    let sourcePort: UInt16?
    let destinationPort: UInt16?
    let icmpType: UInt8?

    static func tcp(_ port: UInt16, from source: UInt16 = 40000) -> Service {
        Service(l4Protocol: 6, sourcePort: source, destinationPort: port, icmpType: nil)
    }

    static func udp(_ port: UInt16, from source: UInt16 = 40000) -> Service {
        Service(l4Protocol: 17, sourcePort: source, destinationPort: port, icmpType: nil)
    }

    static func echoRequest(_ family: AddressFamily) -> Service {
        family == .ipv4 ? Service(l4Protocol: 1, sourcePort: nil, destinationPort: nil, icmpType: 8)
            : Service(l4Protocol: 58, sourcePort: nil, destinationPort: nil, icmpType: 128)
    }

    /// The answer's transport: ports swapped, an echo request answered by an echo reply.
    var reply: Service {
        switch icmpType {
        case 8?: return Service(l4Protocol: 1, sourcePort: nil, destinationPort: nil, icmpType: 0)
        case 128?: return Service(l4Protocol: 58, sourcePort: nil, destinationPort: nil, icmpType: 129)
        default: return Service(l4Protocol: l4Protocol, sourcePort: destinationPort, destinationPort: sourcePort, icmpType: icmpType)
        }
    }

    /// The outbound services a guest uses: web over tcp, DNS over udp, ping.
    static func outbound(_ family: AddressFamily) -> [Service] { [.tcp(443), .udp(53), .echoRequest(family)] }
    /// What the LAN tries on a guest: ssh, ping.
    static func inbound(_ family: AddressFamily) -> [Service] { [.tcp(22), .echoRequest(family)] }
}

/// One packet a claim sends through the host (`planPath`), and the way it went.
struct Trial {
    let probe: PacketProbe
    let path: PacketPath
    /// The walk as `explain` reports it: the evidence.
    let report: PathReport

    /// A packet received on `inInterface` and routed by the host; a packet of an established connection
    /// is taken as a reply.
    init(from source: IPAddress, to destination: IPAddress, in inInterface: String, _ service: Service,
         state: ConntrackState = .new, on host: HostState) {
        probe = Self.probe(source, destination, in: inInterface, service, state: state)
        path = planPath(probe, on: host)
        report = PathReport(path, probe: probe)
    }

    /// A frame `bridge` forwards from port `portIn` to port `portOut` (nil when the port is not known).
    init(bridgedFrom source: IPAddress, to destination: IPAddress, bridge: String, portIn: String?,
         portOut: String?, _ service: Service, on host: HostState) {
        var probe = Self.probe(source, destination, in: bridge, service, state: .new)
        probe.bridgePortIn = portIn
        probe.bridgePortOut = portOut
        self.probe = probe
        path = planBridgedPath(probe, bridge: bridge, on: host)
        report = PathReport(path, probe: probe)
    }

    private static func probe(_ source: IPAddress, _ destination: IPAddress, in inInterface: String,
                              _ service: Service, state: ConntrackState) -> PacketProbe {
        PacketProbe(inInterface: inInterface, outInterface: nil, source: source, destination: destination,
                    l4Protocol: service.l4Protocol, sourcePort: service.sourcePort,
                    destinationPort: service.destinationPort, icmpType: service.icmpType,
                    icmpCode: service.icmpType == nil ? nil : 0, conntrack: state,
                    direction: state == .new ? .original : .reply)
    }

    var fate: PacketFate { path.fate }
    /// Where it leaves the host when forwarded; nil when delivered locally, stopped or undecided.
    var egress: String? {
        guard fate == .accepted, let last = path.routing.last, case .forward = last.outcome else { return nil }
        return path.egressInterface
    }
    var deliveredLocally: Bool {
        guard fate == .accepted, let last = path.routing.last, case .local = last.outcome else { return false }
        return true
    }
    /// The source NAT bound on the way (masquerade, snat).
    var sourceTranslation: Translation? { path.firewall.translatedSource }

    /// `tcp 192.168.122.100:40000 -> 203.0.113.1:443 (new, in virbr0)`.
    var packetText: String {
        func end(_ address: IPAddress, _ port: UInt16?) -> String {
            guard let port else { return address.description }
            return address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
        }
        let proto: String
        switch probe.icmpType {
        case 8?, 128?: proto = probe.family == .ipv4 ? "icmp echo-request" : "icmpv6 echo-request"
        case 0?, 129?: proto = probe.family == .ipv4 ? "icmp echo-reply" : "icmpv6 echo-reply"
        default: proto = report.packet.proto
        }
        let via = probe.bridgePortIn != nil || probe.bridgePortOut != nil
            ? "bridged by \(probe.inInterface ?? "?") from \(probe.bridgePortIn ?? "a port") to \(probe.bridgePortOut ?? "a port")"
            : "in \(probe.inInterface ?? "local")"
        return "\(proto) \(end(probe.source, probe.sourcePort)) -> \(end(probe.destination, probe.destinationPort)) "
            + "(\(probe.conntrack.rawValue), \(via))"
    }

    /// What stopped it or left it undecided: the deciding rule, the chain's policy, or the reason.
    var decider: String {
        if fate == .unknown {
            let reasons = report.unknownBecause
            return reasons.isEmpty ? (report.decidedBy ?? "an undecidable rule") : reasons.joined(separator: "; ")
        }
        if let step = stoppingStep, stoppingRule == nil {
            return "policy drop of \(step.hook.rawValue) \(step.family.rawValue) \(step.table) \(step.chain)"
        }
        return report.decidedBy ?? "nothing"
    }

    /// True when the packet was stopped by routing or a sysctl rather than by a firewall chain.
    var stoppedOutsideFirewall: Bool { fate != .accepted && path.firewall.fate == .accepted }

    /// The base chain that stopped the packet, when a firewall chain did.
    var stoppingStep: PathStep? {
        guard fate == .dropped || fate == .rejected, !stoppedOutsideFirewall else { return nil }
        return path.firewall.steps.last
    }

    /// The drop or reject rule that stopped the packet; nil when the chain's policy did.
    var stoppingRule: RuleHit? {
        guard let step = stoppingStep else { return nil }
        switch step.outcome {
        case .dropped, .rejected:
            return step.hits.last { hit in
                switch hit.action {
                case .drop?, .reject?: return true
                default: return false
                }
            }
        default: return nil
        }
    }
}
