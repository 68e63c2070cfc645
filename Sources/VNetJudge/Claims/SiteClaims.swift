import VNetEvaluate
import VNetModel

/// The claims every mode with a libvirt bridge shares, for one family of one network: traffic out
/// through each uplink, in from each uplink, between guests, and to the host's DHCP and DNS.
struct SiteClaims {
    let site: ClaimSite
    let host: HostState

    /// A claim of this site named `claim.<mode>.<name>`.
    func check(_ name: String, _ title: String) -> ClaimCheck {
        ClaimCheck(id: "claim.\(site.network.mode.rawValue).\(name)", title: title, family: site.family,
                   subject: site.label)
    }

    /// A guest's new connections (web, DNS, ping) to a destination beyond each uplink.
    func outbound(_ name: String, _ title: String, nat: Expectation.SourceNAT) -> ClaimCheck {
        var claim = check(name, title)
        claim.notes = site.uplinks.compactMap(\.chosenDestinationNote)
        for uplink in site.uplinks {
            for service in Service.outbound(site.family) {
                claim.expect(Trial(from: site.guest, to: uplink.external, in: site.bridge, service, on: host),
                             .leaves(through: uplink.device, nat: nat),
                             opening: OpeningRule(inInterface: site.bridge, source: site.subnet))
            }
        }
        return claim
    }

    /// Guest-bound packets arriving on each uplink from the destination beyond it, per state: new
    /// connections (ssh, ping), and as `established` the answers to the guest's own connections.
    func inbound(_ name: String, _ title: String, states: [ConntrackState], expecting expectation: Expectation) -> ClaimCheck {
        var claim = check(name, title)
        claim.emptyMessage = "the host has no \(familyName(site.family)) uplink to receive from"
        for uplink in site.uplinks {
            guard let device = uplink.device else { continue }
            for state in states {
                let replies = state != .new
                let services = replies ? Service.outbound(site.family).map(\.reply) : Service.inbound(site.family)
                for service in services {
                    claim.expect(Trial(from: uplink.external, to: site.guest, in: device, service, state: state, on: host),
                                 expectation,
                                 opening: OpeningRule(outInterface: site.bridge, destination: site.subnet, established: replies))
                }
            }
        }
        return claim
    }

    /// A frame from one guest to another on the bridge (between their ports when the links show them).
    func sameBridge() -> ClaimCheck {
        var claim = check("same-bridge", "Guests on the same bridge reach each other")
        claim.emptyMessage = "the subnet has room for one guest only"
        guard let other = site.otherGuest else { return claim }
        let ports = BridgeTopology(host: host).guestPorts(of: site.bridge, uplinks: []).map(\.name)
        let portIn = ports.first
        let portOut = ports.dropFirst().first ?? portIn
        for service in [Service.tcp(22), .echoRequest(site.family)] {
            claim.expect(Trial(bridgedFrom: site.guest, to: other, bridge: site.bridge, portIn: portIn,
                               portOut: portOut, service, on: host),
                         .bridged, opening: OpeningRule(inInterface: site.bridge, outInterface: site.bridge))
        }
        return claim
    }

    /// DHCP from a guest to the host's address on the bridge (a renewing client; discovery is a broadcast
    /// the host always receives, filtered by the same INPUT rules). Nil when the family has no DHCP.
    func dhcp(failureStatus: CheckStatus = .fail) -> ClaimCheck? {
        guard !site.ip.dhcpRanges.isEmpty || !site.ip.dhcpHosts.isEmpty else { return nil }
        var claim = check("dhcp-to-host", "Guests reach the host's DHCP server")
        claim.failureStatus = failureStatus
        let (client, server): (UInt16, UInt16) = site.family == .ipv4 ? (68, 67) : (546, 547)
        claim.expect(Trial(from: site.guest, to: site.hostAddress, in: site.bridge, .udp(server, from: client), on: host),
                     .delivered, opening: OpeningRule(inInterface: site.bridge, transport: ("udp", server)))
        return claim
    }

    /// DNS over udp and tcp from a guest to the host's address on the bridge. Nil when the network
    /// turns DNS off (`<dns enable='no'/>`).
    func dns(failureStatus: CheckStatus = .fail) -> ClaimCheck? {
        guard site.network.dns?.enabled != false else { return nil }
        var claim = check("dns-to-host", "Guests reach the host's DNS server")
        claim.failureStatus = failureStatus
        for (service, name) in [(Service.udp(53), "udp"), (.tcp(53), "tcp")] {
            claim.expect(Trial(from: site.guest, to: site.hostAddress, in: site.bridge, service, on: host),
                         .delivered, opening: OpeningRule(inInterface: site.bridge, transport: (name, 53)))
        }
        return claim
    }
}
