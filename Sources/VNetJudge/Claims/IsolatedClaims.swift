import VNetEvaluate
import VNetModel

/// An isolated network (no `<forward>`): nothing forwarded in or out, guests reach each other and the
/// host's DHCP and DNS.
enum IsolatedClaims {
    static func findings(_ site: ClaimSite, on host: HostState, remedy: ClaimRemedy) -> [Finding] {
        let claims = SiteClaims(site: site, host: host)
        var outbound = claims.check("no-outbound", "Nothing from the guests is forwarded out of the host")
        outbound.notes = site.uplinks.compactMap(\.chosenDestinationNote)
        for uplink in site.uplinks {
            for service in Service.outbound(site.family) {
                outbound.expect(Trial(from: site.guest, to: uplink.external, in: site.bridge, service, on: host),
                                .keptIn(bridge: site.bridge))
            }
        }
        let inbound = claims.inbound("no-inbound", "Nothing from outside is forwarded to the guests",
                                     states: [.new, .established], expecting: .keptFrom(bridge: site.bridge))
        return ([outbound, inbound, claims.sameBridge()] + [claims.dhcp(), claims.dns()].compactMap { $0 })
            .map { $0.finding(remedy) }
    }
}
