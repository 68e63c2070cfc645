import VNetEvaluate
import VNetModel

/// What to change when a trial does not do what its claim expects, with the host's real names.
struct ClaimRemedy {
    let network: LibvirtNetwork
    let host: HostState

    /// Re-creating the network re-applies libvirt's rules for it (restarting libvirtd or virtnetworkd does
    /// the same for every active network without taking them down).
    var reapply: String { "virsh net-destroy \(network.name) && virsh net-start \(network.name)" }

    /// The remediation for `verdict`; `opening` is the rule that would let the expected packet through.
    func remediation(for verdict: TrialVerdict, opening: OpeningRule?) -> Remediation? {
        guard let cause = verdict.cause else { return nil }
        let trial = verdict.trial
        switch cause {
        case .stopped:
            return stopped(trial, opening: opening)
        case .passed:
            return passed(trial)
        case .untranslated:
            return Remediation("libvirt's masquerade (or snat) rules for network \(network.name) are missing or do not match: re-create them (restarting libvirtd or virtnetworkd re-creates the rules of every active network without taking it down)",
                               commands: [reapply])
        case .translated:
            let rules = translations(trial)
            return Remediation("A source NAT rule rewrites this routed network's guests: remove it, or exclude the network's subnet from it",
                               commands: rules)
        case .translatedAway:
            return Remediation("The source NAT gives this network's guests an address replies cannot reach the host by: translate to an address of \(trial.egress ?? "the uplink") instead (remove the rule if it is not libvirt's; if it is, fix or remove the <nat><address> range in the network's definition, then restart virtnetworkd or libvirtd, which re-applies the rules without taking the network down)",
                               commands: translations(trial) + ["virsh net-edit \(network.name)"])
        case .wrongEgress(let device):
            return Remediation("Routing sends the packet \(device.map { "out of \($0)" } ?? "to the host itself") instead: check the routes and policy rules for \(trial.probe.destination) (`ip route get \(trial.probe.destination) from \(trial.probe.source) iif \(trial.probe.inInterface ?? "lo")`)")
        }
    }

    private func stopped(_ trial: Trial, opening: OpeningRule?) -> Remediation {
        if trial.stoppedOutsideFirewall {
            let family = trial.probe.family
            let (key, on) = family == .ipv4 ? ("net.ipv4.ip_forward", host.sysctls.ipv4Forwarding)
                : ("net.ipv6.conf.all.forwarding", host.sysctls.ipv6ForwardingAll)
            if on == false {
                return Remediation("Turn forwarding back on, and keep it on across reboots (a sysctl.d file that sets it to 0 must go)",
                                   commands: ["sysctl -w \(key)=1", "echo '\(key) = 1' > /etc/sysctl.d/60-vnetaudit-forwarding.conf"])
            }
            let down = [network.forward.dev].compactMap { $0 }.filter { host.link(named: $0)?.adminUp == false }
            let missing = [network.forward.dev].compactMap { $0 }.filter { host.link(named: $0) == nil }
            return Remediation("Routing does not deliver the packet (\(trial.decider)): "
                               + (missing.isEmpty ? "" : "the forward dev \(missing.joined()) does not exist: fix <forward dev> or restore the device; ")
                               + "bring the uplink up and restore its routes",
                               commands: down.map { "ip link set \($0) up" })
        }
        guard let step = trial.stoppingStep else {
            return Remediation("The packet is stopped by \(trial.decider)")
        }
        let hit = trial.stoppingRule
        if FirewallCommands.isLibvirts(step, chain: hit?.chain) {
            return Remediation("libvirt's own rules for network \(network.name) stop this packet: they are not the rules its mode installs; re-create them",
                               commands: [reapply])
        }
        let removal = hit.flatMap { FirewallCommands.delete($0, of: step) }
        let manager = FirewallManager.owner(of: step, chain: hit?.chain, in: host.firewall)
        let managed = opening.flatMap { manager?.opening($0, at: step, in: host.firewall) }
        var commands = managed ?? opening.map { [FirewallCommands.insert($0, aheadOf: step)] } ?? []
        if commands.isEmpty, let removal { commands.append(removal) }
        let whose = manager.map { " (\($0.displayName)'s)" } ?? ""
        let how = managed != nil ? "with \(manager?.displayName ?? "its owner")'s own command"
            : "at the top of \(step.family.rawValue) \(step.table) \(step.chain)"
        return Remediation("A chain that is not libvirt's\(whose) stops the network's traffic (\(trial.decider)): accept the network's traffic \(how)\(removal.map { ", or remove the rule (\($0))" } ?? ", or change its policy")",
                           commands: commands)
    }

    private func passed(_ trial: Trial) -> Remediation {
        let accepts = trial.forwardAccepts
        let deletions = accepts.compactMap { FirewallCommands.delete($0.hit, of: $0.step) }
        if accepts.isEmpty {
            return Remediation("No chain stops the packet: libvirt's rules for network \(network.name) are missing (a firewall reload or flush removes them while the network stays up); re-create them",
                               commands: [reapply])
        }
        let libvirts = accepts.contains { FirewallCommands.isLibvirts($0.step, chain: $0.hit.chain) }
        return Remediation("Remove the accept rules that let the packet through\(libvirts ? " (re-creating the network also drops rules added to libvirt's own chains)" : "")",
                           commands: deletions + (libvirts ? [reapply] : []))
    }

    private func translations(_ trial: Trial) -> [String] {
        trial.path.firewall.steps.filter { $0.hook == .postrouting }.flatMap { step in
            step.hits.filter { hit in
                switch hit.action {
                case .masquerade?, .snat?: return true
                default: return false
                }
            }.compactMap { FirewallCommands.delete($0, of: step) }
        }
    }
}
