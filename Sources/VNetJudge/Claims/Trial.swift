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
    /// Whose address the packet's translated source is; nil when it got no source NAT or did not leave.
    let translatedSourceOwner: TranslatedSourceOwner?
    /// BPF programs on the devices the packet crosses that can change its fate where netfilter cannot be
    /// seen, as `DEVICE HOOK ...`: those on the way in always, those on the way out only when it leaves.
    let bpfPrograms: [String]

    /// A packet received on `inInterface` and routed by the host; a packet of an established connection
    /// is taken as a reply.
    init(from source: IPAddress, to destination: IPAddress, in inInterface: String, _ service: Service,
         state: ConntrackState = .new, on host: HostState) {
        probe = Self.probe(source, destination, in: inInterface, service, state: state)
        path = planPath(probe, on: host)
        report = PathReport(path, probe: probe)
        translatedSourceOwner = TranslatedSourceOwner(of: path, on: host)
        bpfPrograms = Self.bpfPrograms(probe, path, on: host)
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
        translatedSourceOwner = nil
        bpfPrograms = Self.bpfPrograms(probe, path, on: host)
    }

    /// The programs on the packet's in-device and in-port (XDP, tc ingress) and, when it gets through,
    /// on its out-device and out-port (tc egress). Devices whose programs were not read count as none:
    /// VNA-015 reports them as not read.
    private static func bpfPrograms(_ probe: PacketProbe, _ path: PacketPath, on host: HostState) -> [String] {
        var crossed: [(String, BPFDirection)] = [probe.inInterface, probe.bridgePortIn].compactMap { $0 }.map { ($0, .received) }
        if path.fate == .accepted {
            crossed += [path.egressInterface, probe.bridgePortOut].compactMap { $0 }.map { ($0, .sent) }
        }
        return crossed.flatMap { device, direction in
            (host.bpfPrograms(on: device, direction) ?? []).map { "\(device) \($0.summary)" }
        }
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

/// Whose address a translated source is. Replies to a translated connection come back to the host only
/// when the LAN sends them there: to an address the host owns on the device the packet left by. An
/// address of another device works only if the LAN routes it to this host; anyone else's never does.
enum TranslatedSourceOwner: Equatable {
    /// Every address it may take belongs to the egress device.
    case egress
    /// It belongs to this host, but on `device`.
    case otherDevice(device: String, address: IPAddress)
    /// The host does not own `address`, one the translation may give.
    case notTheHosts(IPAddress)
    /// The model cannot tell, and why.
    case unknown(String)

    /// Snat ranges larger than this are not enumerated.
    private static let maxRange: UInt64 = 4096

    init?(of path: PacketPath, on host: HostState) {
        guard path.fate == .accepted, let translation = path.firewall.translatedSource, let egress = path.egressInterface else {
            return nil
        }
        let candidates: [IPAddress]
        if let source = path.sourceAfterNAT {
            candidates = [source]
        } else if case .snat(let range?, _) = translation, let addresses = Self.addresses(in: range) {
            candidates = addresses
        } else {
            self = .unknown("the address the source NAT gives cannot be named from the model")
            return
        }
        guard host.coverage.links != .notCollected else {
            self = .unknown("the host's addresses were not collected")
            return
        }
        var elsewhere: (String, IPAddress)?
        for address in candidates {
            let owners = host.addresses.filter { $0.address == address }.map(\.linkName)
            guard !owners.isEmpty else {
                self = .notTheHosts(address)
                return
            }
            if !owners.contains(egress), elsewhere == nil, let owner = owners.first { elsewhere = (owner, address) }
        }
        self = elsewhere.map { .otherDevice(device: $0.0, address: $0.1) } ?? .egress
    }

    /// Every address of a small range (one IPv6 /64 at most); nil for a larger one.
    private static func addresses(in range: AddressRange) -> [IPAddress]? {
        let (low, high) = (range.low, range.high)
        guard low.family == high.family, low.high == high.high, low.low <= high.low, high.low - low.low < maxRange else {
            return nil
        }
        return (low.low...high.low).map { value in
            low.family == .ipv4 ? IPAddress(ipv4: UInt32(truncatingIfNeeded: value)) : IPAddress(ipv6High: low.high, low: value)
        }
    }
}
