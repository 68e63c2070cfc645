import VNetEvaluate
import VNetModel

/// A bridge-mode network (a host bridge such as br0 with the NIC enslaved): the uplink and the guest
/// ports are on the bridge and up, and br_netfilter does not filter the bridged frames.
enum BridgeModeClaims {
    static func findings(_ network: LibvirtNetwork, on host: HostState, remedy: ClaimRemedy) -> [Finding] {
        guard let bridge = network.bridge?.name else {
            return [Finding(id: "claim.bridge.ports-up", kind: .claim, title: "The uplink and the guest ports are on the bridge and up",
                            status: .fail, message: "network \(network.name) names no bridge (<bridge name=...>)",
                            evidence: [.definition(network, "no <bridge name=...>")],
                            remediation: Remediation("Name the host bridge in the network", commands: ["virsh net-edit \(network.name)"]))]
        }
        return [portsUp(network, bridge: bridge, on: host)]
            + AddressFamily.allCases.map { brNetfilter(network, bridge: bridge, family: $0, on: host, remedy: remedy) }
    }

    private static func portsUp(_ network: LibvirtNetwork, bridge: String, on host: HostState) -> Finding {
        let title = "The uplink and the guest ports are on the bridge and up"
        let id = "claim.bridge.ports-up"
        guard let link = host.link(named: bridge), link.kind == .bridge else {
            return Finding(id: id, kind: .claim, title: title, status: .fail,
                           message: "network \(network.name): bridge \(bridge) does not exist on the host",
                           evidence: [.state("no bridge link named \(bridge)", source: "links")],
                           remediation: Remediation("Create the bridge and enslave the LAN NIC to it (persist it in the host's network configuration)",
                                                    commands: ["ip link add \(bridge) type bridge", "ip link set \(bridge) up"]))
        }
        let topology = BridgeTopology(host: host)
        let uplinks = topology.lanPorts(of: bridge)
        let guests = topology.guestPorts(of: bridge, uplinks: uplinks.map(\.name))
        var problems: [(CheckStatus, String, String?)] = []
        if !link.adminUp { problems.append((.fail, "bridge \(bridge) is down", "ip link set \(bridge) up")) }
        if uplinks.isEmpty {
            problems.append((.fail, "bridge \(bridge) has no uplink (no NIC, bond, vlan or veth enslaved): guests reach only each other and the host", nil))
        }
        for port in uplinks where !isUp(port) {
            problems.append((.fail, "uplink \(port.name) of \(bridge) is \(state(port))", port.adminUp ? nil : "ip link set \(port.name) up"))
        }
        for port in uplinks + guests where isUp(port) {
            if let stp = port.bridgePort?.stpState, stp != .forwarding {
                problems.append((.warn, "port \(port.name) of \(bridge) is in STP state \(stp.rawValue), not forwarding", nil))
            }
        }
        for port in guests where !isUp(port) {
            problems.append((.warn, "guest port \(port.name) of \(bridge) is \(state(port))", nil))
        }
        let evidence = [Evidence.state("bridge \(bridge): \(state(link)), ports \(link.bridge?.ports.joined(separator: ", ") ?? "none")", source: "link \(bridge)")]
            + (uplinks + guests).map { port in
                Evidence.state("\(uplinks.contains(port) ? "uplink" : "guest port") \(port.name): \(state(port)), master \(port.master ?? "none")\(port.bridgePort.map { ", STP \($0.stpState.rawValue)" } ?? "")",
                               source: "link \(port.name)")
            }
        let status = CheckStatus.worst(problems.map(\.0))
        let subject = "network \(network.name) (\(bridge))"
        let message = problems.isEmpty
            ? "\(subject): bridge \(bridge) is up with uplink \(uplinks.map(\.name).joined(separator: ", "))"
                + (guests.isEmpty ? " and no guest attached" : " and guest ports \(guests.map(\.name).joined(separator: ", "))") + ", all up"
            : "\(subject): " + problems.map(\.1).joined(separator: "; ")
        let commands = problems.compactMap(\.2)
        return Finding(id: id, kind: .claim, title: title, status: status, message: message, evidence: evidence,
                       remediation: status == .pass ? nil
                           : Remediation("Bring the bridge and its ports up; enslave the LAN NIC with `ip link set NIC master \(bridge)`", commands: commands))
    }

    private static func isUp(_ link: Link) -> Bool { link.adminUp && link.carrier }

    private static func state(_ link: Link) -> String {
        !link.adminUp ? "administratively down" : !link.carrier ? "up without carrier" : "up"
    }

    /// A frame from a guest port to the uplink port and one back, walked with br_netfilter as the host
    /// has it: when `bridge-nf-call-iptables` (`-ip6tables`) hands them to FORWARD and a chain there stops
    /// them, a warning. Addresses come from the bridge's own subnet (the LAN the guests sit on).
    private static func brNetfilter(_ network: LibvirtNetwork, bridge: String, family: AddressFamily,
                                    on host: HostState, remedy: ClaimRemedy) -> Finding {
        let own = host.addresses(of: bridge).first { $0.family == family && $0.scope == .global }
        let subnet = own?.prefix ?? IPPrefix(family == .ipv4 ? "192.0.2.0/24" : "2001:db8::/64")!
        let taken = own.map { [$0.address] } ?? []
        let gateway = host.routes.lazy.filter { $0.family == family && $0.destination.length == 0 }
            .flatMap(\.nextHops).first { $0.device == bridge }?.gateway
        let first = subnet.network.advanced(by: 1) ?? subnet.network
        let peer = gateway ?? (taken.contains(first) ? first.advanced(by: 1) ?? first : first)
        let guest = [peer.advanced(by: 1), peer.advanced(by: 2)].compactMap { $0 }.first { !taken.contains($0) } ?? peer
        let topology = BridgeTopology(host: host)
        let uplinkPort = topology.lanPorts(of: bridge).first?.name
        let guestPort = topology.guestPorts(of: bridge, uplinks: uplinkPort.map { [$0] } ?? []).first?.name
        var claim = ClaimCheck(id: "claim.bridge.br-netfilter", title: "br_netfilter does not filter the bridged guests",
                               family: family,
                               subject: "network \(network.name) (\(bridge), \(familyName(family)) \(subnet)\(own == nil ? ", documentation addresses: the bridge has none" : ""))")
        claim.failureStatus = .warn
        let opening = OpeningRule(inInterface: bridge, outInterface: bridge)
        claim.expect(Trial(bridgedFrom: guest, to: peer, bridge: bridge, portIn: guestPort, portOut: uplinkPort, .tcp(443), on: host),
                     .bridged, opening: opening)
        claim.expect(Trial(bridgedFrom: peer, to: guest, bridge: bridge, portIn: uplinkPort, portOut: guestPort, .tcp(22), on: host),
                     .bridged, opening: opening)
        var finding = claim.finding(remedy)
        if finding.status == .warn {
            let key = family == .ipv4 ? "net.bridge.bridge-nf-call-iptables" : "net.bridge.bridge-nf-call-ip6tables"
            finding.remediation = Remediation(
                "br_netfilter hands the frames bridged by \(bridge) to the \(familyName(family)) FORWARD chains, which stop them: turn that off unless something on the host needs it (and make it persist in /etc/sysctl.d), or accept the bridge's frames in FORWARD",
                commands: ["sysctl -w \(key)=0"] + (finding.remediation?.commands ?? []))
        }
        return finding
    }
}
