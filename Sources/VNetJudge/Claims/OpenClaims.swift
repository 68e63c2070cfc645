import VNetEvaluate
import VNetModel

/// An open network: libvirt adds no rules, the host's firewall decides. The findings report what it
/// lets through; nothing fails because traffic passes. Guests cut off from the outside, from each other
/// or from the host's DHCP and DNS are warnings; new inbound connections are reported either way.
enum OpenClaims {
    static func findings(_ site: ClaimSite, on host: HostState, remedy: ClaimRemedy) -> [Finding] {
        let claims = SiteClaims(site: site, host: host)
        var outbound = claims.outbound("outbound", "What the host firewall lets out from the guests", nat: .either)
        outbound.failureStatus = .warn
        var inbound = claims.inbound("inbound", "What the host firewall lets in to the guests", states: [.new],
                                     expecting: .reaches(bridge: site.bridge))
        inbound.failureStatus = .pass
        var sameBridge = claims.sameBridge()
        sameBridge.failureStatus = .warn
        return ([outbound, inbound, sameBridge] + [claims.dhcp(failureStatus: .warn), claims.dns(failureStatus: .warn)].compactMap { $0 })
            .map { $0.finding(remedy) }
    }
}
