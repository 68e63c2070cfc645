import VNetEvaluate
import VNetModel

/// Judges the claims of a network's forward mode from the rule set alone (see docs/claims.md).
public enum ClaimJudge {
    /// The claim findings of `network` on `host`, per address family, each with the explain path of the
    /// packet that decided it.
    public static func judge(_ network: LibvirtNetwork, on host: HostState) -> [Finding] {
        let mode = network.mode.rawValue
        guard network.active else {
            return [Finding(id: "claim.\(mode).active", kind: .claim, title: "The network is active", status: .warn,
                            message: "network \(network.name) is defined but not active\(network.autostart ? " although it is marked autostart" : ""): it carries no traffic and its claims were not evaluated",
                            evidence: [.state("no status file under /run/libvirt/network", source: "libvirt", value: network.sourceFiles.first)],
                            remediation: Remediation("Start the network if guests need it", commands: ["virsh net-start \(network.name)"]))]
        }
        let remedy = ClaimRemedy(network: network, host: host)
        let perSite: (ClaimSite, HostState, ClaimRemedy) -> [Finding]
        switch network.mode {
        case .nat: perSite = NATClaims.findings
        case .route: perSite = RouteClaims.findings
        case .isolated: perSite = IsolatedClaims.findings
        case .open: perSite = OpenClaims.findings
        case .bridge: return BridgeModeClaims.findings(network, on: host, remedy: remedy)
        case .private, .vepa, .passthrough, .hostdev:
            return [Finding(id: "claim.\(mode).not-evaluated", kind: .claim, title: "The mode's claims are evaluated", status: .inconclusive,
                            message: "network \(network.name) uses mode \(mode): guests sit on \(([network.forward.dev].compactMap { $0 } + network.forward.interfaces).joined(separator: ", ")) directly through macvtap or a passed-through device; their traffic never meets the host's routing or firewall, so it is not evaluated statically",
                            evidence: [.definition(network, "<forward mode='\(mode)'>")])]
        }
        switch ClaimSite.sites(of: network, on: host) {
        case .failure(let problem):
            return [Finding(id: "claim.\(mode).addressing", kind: .claim, title: "The network's packets can be placed", status: .inconclusive,
                            message: problem.reason, evidence: [.definition(network, problem.reason)])]
        case .success(let sites) where sites.isEmpty:
            return [Finding(id: "claim.\(mode).addressing", kind: .claim, title: "The network's packets can be placed", status: .pass,
                            message: "network \(network.name) has no <ip>: the host has no address on \(network.bridge?.name ?? "its bridge"), routes and serves nothing there; guests share layer 2 only",
                            evidence: [.definition(network, "no <ip>")])]
        case .success(let sites):
            return sites.flatMap { perSite($0, host, remedy) }
        }
    }
}
