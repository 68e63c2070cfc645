import VNetEvaluate
import VNetModel

/// The programs that write firewall rules on real hosts, recognised by the tables and chains they make.
/// A fix goes through the owner's own command: a rule put with nft or iptables into firewalld's or ufw's
/// tables is gone at that tool's next reload, and of Docker's chains only DOCKER-USER is left alone by
/// dockerd.
enum FirewallManager: String, CaseIterable, Sendable {
    case libvirt
    case firewalld
    case ufw
    case docker
    case kubeProxy = "kube-proxy"
    /// A native `inet filter` table, as Debian's /etc/nftables.conf (loaded by nftables.service) makes.
    case nftablesConf = "nftables.conf"

    /// How messages name it.
    var displayName: String {
        switch self {
        case .libvirt: return "libvirt"
        case .firewalld: return "firewalld"
        case .ufw: return "ufw"
        case .docker: return "Docker"
        case .kubeProxy: return "kube-proxy"
        case .nftablesConf: return "/etc/nftables.conf (nftables.service)"
        }
    }

    /// Who made chain `chain` of `table`; nil when no manager is recognised. The built-in chains of an
    /// iptables table belong to the manager whose chains hang from the table (ufw and Docker both set the
    /// FORWARD policy; ufw wins a tie, since it rewrites the policy at every start).
    static func owner(of table: FirewallTable, chain: String) -> FirewallManager? {
        if table.name == "libvirt_network" || chain.hasPrefix("LIBVIRT_") { return .libvirt }
        if table.system == .nftables && table.name == "firewalld" { return .firewalld }
        if let named = byChainName(chain) { return named }
        if table.system == .nftables && table.family == .inet && table.name == "filter" { return .nftablesConf }
        guard table.chain(chain)?.base != nil else { return nil }
        let managers = Set(table.chains.compactMap { byChainName($0.name) })
        return [.ufw, .docker, .kubeProxy].first(where: managers.contains)
    }

    /// The manager that made the chain a walk stopped in: the rule's chain when a rule stopped it, else
    /// the base chain whose policy did.
    static func owner(of step: PathStep, chain: String?, in firewall: Firewall) -> FirewallManager? {
        guard let table = firewall.table(step.system, step.family, step.table) else { return nil }
        return owner(of: table, chain: chain ?? step.chain)
    }

    /// The managers with tables or chains on the host, in declaration order.
    static func present(in firewall: Firewall) -> [FirewallManager] {
        var found = Set<FirewallManager>()
        for table in firewall.tables {
            for chain in table.chains { if let owner = owner(of: table, chain: chain.name) { found.insert(owner) } }
        }
        return allCases.filter(found.contains)
    }

    private static func byChainName(_ chain: String) -> FirewallManager? {
        if chain.hasPrefix("ufw-") || chain.hasPrefix("ufw6-") { return .ufw }
        if chain == "DOCKER" || chain.hasPrefix("DOCKER-") { return .docker }
        if chain.hasPrefix("KUBE-") { return .kubeProxy }
        return nil
    }

    /// Commands in this manager's own terms that let `rule` through ahead of what stops it at `step`;
    /// nil when the manager has none, and a rule inserted into the chain itself is the fix.
    func opening(_ rule: OpeningRule, at step: PathStep, in firewall: Firewall) -> [String]? {
        switch self {
        case .docker:
            // DOCKER-USER runs first in FORWARD and dockerd never rewrites it.
            guard step.hook == .forward, let table = firewall.table(step.system, step.family, step.table),
                  table.chain("DOCKER-USER") != nil else { return nil }
            let tool = (step.family == .ip6 ? "ip6tables" : "iptables") + (step.system == .xtables ? "-legacy" : "")
            return ["\(tool) -I DOCKER-USER \(rule.iptables)"]
        case .ufw:
            return rule.ufw(at: step.hook)
        case .libvirt, .firewalld, .kubeProxy, .nftablesConf:
            return nil
        }
    }
}

extension OpeningRule {
    /// The ufw command that opens this rule's traffic: `ufw route allow` at FORWARD, `ufw allow` at INPUT;
    /// nil for replies (ufw's before chains accept established traffic already) and other hooks.
    func ufw(at hook: Hook) -> [String]? {
        guard !established else { return nil }
        var parts: [String]
        switch hook {
        case .forward: parts = ["ufw route allow"]
        case .input: parts = ["ufw allow"]
        case .prerouting, .output, .postrouting, .ingress, .egress: return nil
        }
        if let inInterface { parts.append("in on \(inInterface)") }
        if let outInterface, hook == .forward { parts.append("out on \(outInterface)") }
        if let transport { parts.append("proto \(transport.name)") }
        if let source { parts.append("from \(source)") }
        if destination != nil || transport != nil {
            parts.append("to \(destination?.description ?? "any")")
            if let transport { parts.append("port \(transport.port)") }
        }
        return [parts.joined(separator: " ")]
    }
}

/// Which firewalld zone each interface is in, read from firewalld's own dispatch chain
/// (`filter_INPUT_ZONES`: `iifname "virbr0" goto filter_IN_libvirt`, then the default zone).
struct FirewalldZones {
    private let table: FirewallTable
    private let dispatch: FirewallChain

    /// Nil when firewalld's table is not on the host.
    init?(_ firewall: Firewall) {
        guard let table = firewall.tables.first(where: { $0.system == .nftables && $0.name == "firewalld" && $0.family == .inet }),
              let dispatch = table.chain("filter_INPUT_ZONES") else { return nil }
        self.table = table
        self.dispatch = dispatch
    }

    private static let zonePrefix = "filter_IN_"

    /// The zone whose input chain the interface's packets go to: its own entry, else the default zone.
    func zone(of interface: String) -> String? {
        for rule in dispatch.rules {
            var interfaceMatches = true
            var target: String?
            for element in rule.elements {
                switch element {
                case .match(let match) where match.field == .iifname && match.op == .eq:
                    interfaceMatches = Self.names(match.value, interface)
                case .action(.goto(let chain)), .action(.jump(let chain)):
                    target = chain
                case .match, .action, .unknown:
                    continue
                }
            }
            if interfaceMatches, let target, target.hasPrefix(Self.zonePrefix) {
                return String(target.dropFirst(Self.zonePrefix.count))
            }
        }
        return nil
    }

    /// Whether an interface-name value (a name, a `virbr*` wildcard, a set of them) takes `interface`.
    private static func names(_ value: MatchValue, _ interface: String) -> Bool {
        switch value {
        case .string(let name): return name == interface
        case .wildcard(let prefix): return interface.hasPrefix(prefix)
        case .set(let members): return members.contains { names($0, interface) }
        default: return false
        }
    }

    /// Whether firewalld has the zone at all (its input chain exists).
    func has(zone: String) -> Bool { table.chain(Self.zonePrefix + zone) != nil }
}
