import VNetEvaluate
import VNetModel

/// A routed network: guests' traffic forwarded untranslated both ways through the forward dev, and a
/// LAN router that must route the subnet back via the host.
enum RouteClaims {
    static func findings(_ site: ClaimSite, on host: HostState, remedy: ClaimRemedy) -> [Finding] {
        let claims = SiteClaims(site: site, host: host)
        let outbound = claims.outbound("outbound-untranslated", "Guests leave through the uplink with their own addresses",
                                       nat: .forbidden)
        var findings = [outbound.finding(remedy)]
        findings += ([claims.inbound("inbound-accepted", "New connections from outside reach the guests",
                                     states: [.new], expecting: .reaches(bridge: site.bridge)),
                      claims.inbound("replies-return", "Replies to the guests' connections come back",
                                     states: [.established], expecting: .reaches(bridge: site.bridge)),
                      claims.sameBridge()] + [claims.dhcp(), claims.dns()].compactMap { $0 }).map { $0.finding(remedy) }
        findings.append(lanRoute(site, outbound: outbound))
        return findings
    }

    /// The route the LAN router needs, which no host state can show: always a warning naming it.
    private static func lanRoute(_ site: ClaimSite, outbound: ClaimCheck) -> Finding {
        let ip = site.family == .ipv4 ? "ip route" : "ip -6 route"
        var commands: [String] = []
        var missing: [String] = []
        for uplink in site.uplinks {
            guard let device = uplink.device else { continue }
            if let address = uplink.hostAddress {
                commands.append("\(ip) add \(site.subnet) via \(address)   # on the LAN router behind \(device)")
            } else {
                missing.append(device)
            }
        }
        let routes = commands.map { $0.components(separatedBy: "   #")[0] }
        var message = "\(site.label): replies reach the guests only if the LAN router routes \(site.subnet) via the host"
        message += routes.isEmpty ? "" : " (\(routes.joined(separator: "; ")))"
        message += missing.isEmpty ? "" : "; \(missing.joined(separator: ", ")) has no \(familyName(site.family)) address for the router to send it to"
        message += "; this cannot be checked from the host"
        let evidence = outbound.cases.prefix(1).map { Evidence.path("guests leave with their own addresses: \(TrialVerdict($0.trial, $0.expectation).sentence)", $0.trial.report) }
        return Finding(id: "claim.route.lan-route", kind: .claim, title: "The LAN router routes the subnet back via the host",
                       status: .warn, message: message, family: site.family, evidence: evidence,
                       remediation: Remediation("Add a static route for \(site.subnet) on the LAN router (or announce it by a routing protocol)", commands: commands))
    }
}
