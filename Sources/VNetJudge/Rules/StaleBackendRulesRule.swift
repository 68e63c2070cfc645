import VNetModel

/// VNA-004: chains or tables of the libvirt firewall backend that no active network uses (field notes
/// cause 19). The backend in use is the one libvirt recorded for its active networks, else the one
/// configured in network.conf.
struct StaleBackendRulesRule: CatalogueRule {
    let id = "VNA-004"

    /// The chains libvirt's iptables backend creates.
    static let iptablesChains: Set<String> = ["LIBVIRT_INP", "LIBVIRT_OUT", "LIBVIRT_FWX", "LIBVIRT_FWI", "LIBVIRT_FWO", "LIBVIRT_PRT"]
    /// Whether `name` is one of `iptablesChains`. The prefix test first spares hashing the names of
    /// the other chains of a big table (a kube-proxy nat table has tens of thousands).
    static func isIptablesChain(_ name: String) -> Bool {
        name.utf8.starts(with: "LIBVIRT_".utf8) && iptablesChains.contains(name)
    }

    /// The table libvirt's nftables backend creates (families ip and ip6).
    static let nftablesTable = "libvirt_network"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        let firewall = scope.host.firewall
        let objects: [FirewallBackend: [StaleObject]] = [
            .iptables: firewall.tables.filter { $0.family == .ip || $0.family == .ip6 }.flatMap { table in
                table.chains.indices.filter { Self.isIptablesChain(table.chains[$0].name) }
                    .map { StaleObject(table: table, chain: table.chains[$0].name) }
            },
            .nftables: firewall.tables.filter { $0.system == .nftables && $0.name == Self.nftablesTable }
                .map { StaleObject(table: $0, chain: nil) },
        ]
        let present = objects.filter { !$0.value.isEmpty }
        let inUse = backendsInUse(scope.host.libvirt)
        // What was found of each backend, and what libvirt says it uses.
        let evidence: [Evidence] = [FirewallBackend.iptables, .nftables].map { backend in
            let found = objects[backend] ?? []
            return .state("\(backend.rawValue) backend: \(found.isEmpty ? "no rules" : "\(found.count) table(s) or chain(s)")",
                          source: "firewall", value: found.isEmpty ? nil : found.prefix(5).map(\.name).joined(separator: ", "))
        } + [.state("libvirt uses \(inUse.isEmpty ? "no recorded backend" : inUse.map(\.rawValue).sorted().joined(separator: " and "))",
                    source: "libvirt")]
        guard !inUse.isEmpty else {
            if present.count > 1 {
                return [RuleOutcome(network: nil, status: .inconclusive,
                                    message: "Both libvirt backends have rules (\(present.values.flatMap { $0 }.map(\.name).joined(separator: ", "))) and libvirt recorded no backend: which set is stale is unknown.",
                                    evidence: evidence)]
            }
            return [RuleOutcome(network: nil, status: .pass, message: "At most one libvirt firewall backend has rules on the host.",
                                evidence: evidence)]
        }
        let stale = present.filter { !inUse.contains($0.key) }.sorted { $0.key.rawValue < $1.key.rawValue }
        guard !stale.isEmpty else {
            return [RuleOutcome(network: nil, status: .pass,
                                message: "Only the \(inUse.map(\.rawValue).sorted().joined(separator: " and ")) backend libvirt uses has rules on the host.",
                                evidence: evidence)]
        }
        return stale.map { backend, found in
            RuleOutcome(network: nil, status: .warn,
                        message: "libvirt uses the \(inUse.map(\.rawValue).sorted().joined(separator: " and ")) backend, but the \(backend.rawValue) backend's \(found.map(\.name).joined(separator: ", ")) remain.",
                        evidence: found.map { .state("\($0.name) exists", source: $0.name) },
                        commands: StaleObject.removalCommands(found))
        }
    }

    private func backendsInUse(_ libvirt: LibvirtState) -> Set<FirewallBackend> {
        let recorded = Set(libvirt.networks.filter(\.active).compactMap(\.recordedFirewallBackend))
        if !recorded.isEmpty { return recorded }
        return libvirt.configuredFirewallBackend.map { [$0] } ?? []
    }
}

/// A table or chain of a libvirt backend.
private struct StaleObject {
    let table: FirewallTable
    let chain: String?

    var name: String {
        let where_ = "\(table.system.rawValue) \(table.family.rawValue) \(table.name)"
        return chain.map { "\(where_) \($0)" } ?? "table \(where_)"
    }

    /// How to remove `objects`: nft deletes a whole table; chains go after the jumps to them are deleted
    /// (by handle in nf_tables, by their iptables-save spec in x_tables) and they are flushed. Each table's
    /// rules are scanned once, however many of its chains are stale.
    static func removalCommands(_ objects: [StaleObject]) -> [String] {
        var commands: [String] = []
        var chainsByTable: [(table: FirewallTable, chains: [String])] = []
        for object in objects {
            guard let chain = object.chain else {
                commands.append("nft delete table \(object.table.family.rawValue) \(object.table.name)")
                continue
            }
            if let index = chainsByTable.firstIndex(where: { $0.table.system == object.table.system && $0.table.family == object.table.family && $0.table.name == object.table.name }) {
                chainsByTable[index].chains.append(chain)
            } else {
                chainsByTable.append((object.table, [chain]))
            }
        }
        for (table, chains) in chainsByTable {
            commands += removalCommands(chains, in: table)
        }
        return commands
    }

    private static func removalCommands(_ chains: [String], in table: FirewallTable) -> [String] {
        let stale = Set(chains)
        let tool = (table.family == .ip6 ? "ip6tables" : "iptables") + (table.system == .xtables ? "-legacy" : "")
        let jumps = table.chains.flatMap { from in
            from.rules.compactMap { rule -> String? in
                // Stale chains are libvirt's: the prefix test spares hashing every other jump's target.
                guard let target = rule.elements.lazy.compactMap(Self.jumpTarget).first,
                      target.utf8.starts(with: "LIBVIRT_".utf8), stale.contains(target) else { return nil }
                if let handle = rule.handle { return "nft delete rule \(table.family.rawValue) \(table.name) \(from.name) handle \(handle)" }
                let spec = rule.text.hasPrefix("-A ") ? String(rule.text.dropFirst(3)) : "\(from.name) -j \(target)"
                return "\(tool) -t \(table.name) -D \(spec)"
            }
        }
        return jumps + chains.flatMap { ["\(tool) -t \(table.name) -F \($0)", "\(tool) -t \(table.name) -X \($0)"] }
    }

    private static func jumpTarget(_ element: RuleElement) -> String? {
        switch element {
        case .action(.jump(let chain)), .action(.goto(let chain)): return chain
        default: return nil
        }
    }
}
