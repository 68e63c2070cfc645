import VNetEvaluate
import VNetModel

/// A nat network: guests leave translated, the outside cannot open connections to them, replies come
/// back, guests reach each other and the host's DHCP and DNS. IPv6 without `<nat ipv6='yes'/>` is routed
/// the way a route network is (libvirt accepts new inbound connections too): a warning says so.
enum NATClaims {
    static func findings(_ site: ClaimSite, on host: HostState, remedy: ClaimRemedy) -> [Finding] {
        let claims = SiteClaims(site: site, host: host)
        let inbound = claims.inbound("inbound-refused", "New connections from outside to guests are refused",
                                     states: [.new], expecting: .keptFrom(bridge: site.bridge))
        var findings: [Finding]
        if site.family == .ipv4 || site.network.forward.nat?.ipv6 == true {
            findings = [claims.outbound("outbound-translated", "Guests leave every uplink translated to a host address",
                                        nat: .required(guests: site.subnet)).finding(remedy),
                        inbound.finding(remedy)]
        } else {
            findings = [routedIPv6(claims, inbound: inbound, remedy: remedy)]
        }
        findings += ([claims.inbound("replies-return", "Replies to the guests' connections come back",
                                     states: [.established], expecting: .reaches(bridge: site.bridge)),
                      claims.sameBridge()] + [claims.dhcp(), claims.dns()].compactMap { $0 }).map { $0.finding(remedy) }
        return findings
    }

    /// IPv6 of a nat network without `<nat ipv6='yes'/>`: forwarded with the guests' own addresses. When
    /// it gets out, a warning says the guests are exposed with their own addresses and whether new
    /// inbound connections reach them; when it does not, the claim fails like any outbound claim.
    private static func routedIPv6(_ claims: SiteClaims, inbound: ClaimCheck, remedy: ClaimRemedy) -> Finding {
        let site = claims.site
        var finding = claims.outbound("ipv6-routed", "IPv6 is routed, not translated: guests use their own addresses",
                                      nat: .either).finding(remedy)
        guard finding.status == .pass else { return finding }
        let verdicts = inbound.cases.map { TrialVerdict($0.trial, $0.expectation) }
        let reached = verdicts.filter { $0.status == .fail }
        let undecided = verdicts.filter { $0.status == .inconclusive }
        let exposure: String
        let deciding: [TrialVerdict]
        if !reached.isEmpty {
            (exposure, deciding) = ("new connections from outside reach them", reached)
        } else if !undecided.isEmpty {
            (exposure, deciding) = ("whether new connections from outside reach them is undecided", undecided)
        } else {
            (exposure, deciding) = ("new connections from outside are refused", verdicts)
        }
        finding.status = .warn
        finding.message = "\(site.label): guests leave with their own IPv6 addresses, not the host's, because the network has no <nat ipv6='yes'/>; \(exposure)"
            + (deciding.isEmpty ? "" : " (\(deciding.map(\.sentence).joined(separator: "; ")))")
            + ". Outbound: " + finding.message.dropFirst(site.label.count + 2)
        finding.evidence += deciding.map { Evidence.path($0.sentence, $0.trial.report) }
        let lanRoutes = site.uplinks.compactMap { uplink in
            uplink.hostAddress.map { "ip -6 route add \(site.subnet) via \($0)   # on the LAN router" }
        }
        finding.remediation = Remediation(
            "To translate IPv6 like IPv4, add <nat ipv6='yes'/> inside <forward mode='nat'> (libvirt >= 6.5) and restart the network; to keep it routed, the LAN router needs a route to \(site.subnet) via the host, and the guests' exposure must be intended",
            commands: ["virsh net-edit \(site.network.name)", remedy.reapply] + lanRoutes)
        return finding
    }
}
