import VNetEvaluate
import VNetJudge
import VNetModel

/// Which state changes explain a check's change: those that lie where the check looked. A rule added,
/// removed or moved explains it when the check's packets hit that rule (before or after), or, for evidence
/// without a packet walk, when the evidence names its chain; a chain or table change (one that can decide
/// a fate) when the packets traversed the chain (or table) or the evidence names it; a route when it covers
/// a routed packet's destination; a sysctl, link or libvirt definition when it is about the network, an
/// interface on the path, or a setting the evidence cites.
struct ChangeExplanation {
    /// Chains the packets met (base chains and the chains jumped to), as locations with a chain.
    private var chains: Set<FirewallLocation> = []
    /// The texts of the rules the packets hit (matched, or could not be decided), by chain.
    private var hitRules: Set<RuleAt> = []
    /// Some evidence is a packet walk: which rules mattered is known.
    private var walked = false
    private var interfaces: Set<String> = []
    /// Destinations of packets that went through a routing decision.
    private var routedDestinations: [IPAddress] = []
    /// A packet was forwarded (the forward hook, or a routing decision to forward).
    private var forwarded = false
    /// A packet crossed a bridge between two ports (what br_netfilter hands to the IP hooks).
    private var bridged = false
    /// Every word of evidence, to find settings and chains it names.
    private var evidenceText = ""
    private let network: String?
    private let family: AddressFamily?

    /// - Parameter findings: the check before and after (one may be missing).
    /// - Parameter networks: the network's report before and after, for its bridge and forward device.
    init(findings: [Finding], networks: [NetworkReport]) {
        network = networks.first?.name
        family = findings.compactMap(\.family).first
        for report in networks {
            interfaces.formUnion([report.bridge, report.forwardDevice].compactMap { $0 })
        }
        for evidence in findings.flatMap(\.evidence) {
            evidenceText += [evidence.summary, evidence.source ?? "", evidence.text ?? ""].joined(separator: "\n") + "\n"
            if let source = evidence.source, source.hasPrefix("link ") { interfaces.insert(String(source.dropFirst(5))) }
            if let path = evidence.path { add(path) }
        }
    }

    private mutating func add(_ path: PathReport) {
        walked = true
        evidenceText += (path.decidedBy ?? "") + "\n"
        interfaces.formUnion([path.packet.inInterface, path.packet.bridgePortIn, path.packet.bridgePortOut, path.egressInterface]
            .compactMap { $0 })
        if path.packet.bridgePortIn != nil && path.packet.bridgePortOut != nil { bridged = true }
        for stage in path.stages {
            switch stage.kind {
            case .hook:
                if stage.hook == Hook.forward.rawValue { forwarded = true }
                for chain in stage.chains ?? [] {
                    let table = FirewallLocation(system: chain.system, family: chain.family, table: chain.table)
                    for name in [chain.chain] + chain.rules.map(\.chain) {
                        var location = table
                        location.chain = name
                        chains.insert(location)
                    }
                    for rule in chain.rules {
                        var location = table
                        location.chain = rule.chain
                        hitRules.insert(RuleAt(location: location, text: rule.text))
                    }
                }
            case .routing:
                if let destination = IPAddress(path.packet.destination) { routedDestinations.append(destination) }
                if stage.routing?.hasPrefix("forward") == true { forwarded = true }
                evidenceText += ([stage.routing ?? ""] + (stage.details ?? [])).joined(separator: "\n") + "\n"
            case .note:
                evidenceText += (stage.details ?? []).joined(separator: "\n") + "\n"
            }
        }
    }

    /// The changes among `changes` that explain the check's change, in their order, rules that only
    /// moved last (a move changes a packet's fate less often than an addition or removal).
    func explaining(_ changes: [StateChange]) -> [StateChange] {
        let found = changes.filter(explains)
        return found.filter { $0.kind != .moved } + found.filter { $0.kind == .moved }
    }

    func explains(_ change: StateChange) -> Bool {
        switch change.area {
        case .firewallRule:
            guard let location = change.location else { return false }
            let texts = [change.before, change.after].compactMap { $0 }.filter { !$0.isEmpty }
            // Without a packet walk, which rules mattered is unknown: a rule of a chain the evidence names.
            return texts.contains { hitRules.contains(RuleAt(location: location, text: $0)) } || (!walked && names(location))
        case .firewallChain:
            guard let location = change.location, change.inert != true else { return false }
            return chains.contains(location) || names(location)
        case .firewallTable:
            guard let location = change.location, change.inert != true else { return false }
            return chains.contains { $0.tableOnly == location.tableOnly }
                || evidenceText.contains("\(location.system) \(location.family) \(location.table)")
        case .route:
            guard let prefix = IPPrefix(change.subject.split(separator: " ").first { $0.contains("/") } ?? "") else { return false }
            return routedDestinations.contains { prefix.contains($0) } || touchesInterfaces(change)
        case .policyRule:
            return !routedDestinations.isEmpty && (family == nil || change.subject.contains("-6") == (family == .ipv6))
        case .sysctl:
            return explainsSysctl(change.subject) || touchesInterfaces(change)
        case .link:
            return touchesInterfaces(change)
        case .libvirtNetwork:
            return network.map { change.subject == "libvirt network \($0)" } ?? false
        }
    }

    /// A rule by its chain and text.
    private struct RuleAt: Hashable {
        var location: FirewallLocation
        var text: String
    }

    /// The evidence names the chain, as paths (`forward ip filter FORWARD`) and catalogue rules
    /// (`x_tables ip filter FORWARD`) write it.
    private func names(_ location: FirewallLocation) -> Bool {
        guard let chain = location.chain else { return false }
        return evidenceText.contains("\(location.family) \(location.table) \(chain)")
    }

    private func touchesInterfaces(_ change: StateChange) -> Bool {
        !(change.interfaces ?? []).filter(interfaces.contains).isEmpty
    }

    /// The key is cited by the evidence, or it is the forwarding or bridge-netfilter switch of the
    /// check's family and its packets were forwarded.
    private func explainsSysctl(_ key: String) -> Bool {
        if evidenceText.contains(key) { return true }
        let keyFamily: AddressFamily? = key.hasPrefix("net.ipv4.") || key.hasSuffix("-call-iptables") ? .ipv4
            : key.hasPrefix("net.ipv6.") || key.hasSuffix("-call-ip6tables") ? .ipv6 : nil
        guard family == nil || keyFamily == nil || keyFamily == family else { return false }
        let forwardingSwitch = ["net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding", "net.ipv6.conf.all.forwarding"].contains(key)
        return (forwardingSwitch && forwarded) || (key.hasPrefix("net.bridge.") && bridged)
    }
}
