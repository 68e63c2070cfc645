import VNetModel

/// VNA-015: a BPF program (XDP or tc clsact) is attached to a device a network's guest traffic crosses:
/// its bridge, a guest port of it, or its uplink (docs/causes.md cause 22). Such a program acts where no
/// firewall rule shows it, so the rule warns with commands to inspect it and, marked disruptive, to
/// remove it; devices whose programs were not read make the outcome inconclusive.
struct BPFOnNetworkPathRule: CatalogueRule {
    let id = "VNA-015"

    func check(_ scope: AuditScope) -> [RuleOutcome] {
        scope.networks.filter(\.active).map { judge($0, scope.host) }
    }

    /// A device of the network and its part in carrying the guests' traffic.
    private struct Device {
        let name: String
        let role: String
    }

    private func devices(_ network: LibvirtNetwork, _ host: HostState) -> [Device] {
        guard let bridge = network.bridgeName else { return [] }
        var devices = [Device(name: bridge, role: "bridge")]
        let uplinks: [String]
        switch network.mode {
        case .nat, .route, .open: uplinks = Set(AddressFamily.allCases.flatMap { host.uplinks(of: network, $0) }).sorted()
        case .isolated, .bridge, .private, .vepa, .passthrough, .hostdev: uplinks = []
        }
        // A host bridge (bridge mode) has guests and the uplink among its ports; libvirt's own bridges only guests.
        let portRole = network.mode == .bridge ? "bridge port" : "guest port"
        devices += host.ports(of: bridge).map { Device(name: $0.name, role: portRole) }
        devices += uplinks.filter { uplink in !devices.contains { $0.name == uplink } }.map { Device(name: $0, role: "uplink") }
        return devices.filter { host.link(named: $0.name) != nil }
    }

    private func judge(_ network: LibvirtNetwork, _ host: HostState) -> RuleOutcome {
        guard host.coverage.links != .notCollected else {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "Links were not read: BPF programs on network '\(network.name)''s devices are unknown.",
                               evidence: [.notCollected("links")])
        }
        let devices = devices(network, host)
        let unread = devices.filter { host.bpfPrograms(on: $0.name) == nil }
        if !unread.isEmpty {
            return RuleOutcome(network: network.name, status: .inconclusive,
                               message: "BPF programs were not read for \(unread.map(\.name).joined(separator: ", ")) of network '\(network.name)' (a state collected before they were): what acts there besides the firewall is unknown.",
                               evidence: unread.map { .state("\($0.role) \($0.name): BPF programs not read", source: "link \($0.name)") })
        }
        let found = devices.flatMap { device in (host.bpfPrograms(on: device.name) ?? []).map { (device, $0) } }
        let evidence = devices.map { device in
            let programs = host.bpfPrograms(on: device.name) ?? []
            return Evidence.state("\(device.role) \(device.name): " + (programs.isEmpty ? "no BPF program" : programs.map(\.summary).joined(separator: "; ")),
                                  source: "link \(device.name)")
        }
        guard !found.isEmpty else {
            return RuleOutcome(network: network.name, status: .pass,
                               message: "No XDP or tc BPF program on network '\(network.name)''s devices (\(devices.map(\.name).joined(separator: ", "))).",
                               evidence: evidence)
        }
        let named = found.map { device, program in "\(device.role) \(device.name): \(program.summary)" }
        return RuleOutcome(network: network.name, status: .warn,
                           message: "BPF program\(found.count == 1 ? "" : "s") on network '\(network.name)' acting where netfilter cannot be seen: \(named.joined(separator: "; ")).",
                           evidence: evidence,
                           commands: commands(found.map { ($0.0.name, $0.1) }))
    }

    /// Inspection first (harmless), then the removal of each program, marked disruptive.
    private func commands(_ found: [(device: String, program: BPFAttachment)]) -> [String] {
        var inspect: [String] = []
        var remove: [String] = []
        for (device, program) in found {
            inspect.append("bpftool net show dev \(device)")
            switch program.hook {
            case .xdp:
                inspect.append("ip -details link show dev \(device)")
                remove.append("ip link set dev \(device) \(xdpKeyword(program.xdpMode)) off  # DISRUPTIVE: detaches the XDP program\(program.programID.map { " (id \($0))" } ?? "")")
            case .tcIngress, .tcEgress:
                let direction = program.hook == .tcIngress ? "ingress" : "egress"
                inspect.append("tc filter show dev \(device) \(direction)")
                var filter = "tc filter del dev \(device) \(direction)"
                if let priority = program.tcPriority { filter += " pref \(priority)" }
                if let handle = program.tcHandle { filter += " handle 0x\(String(handle, radix: 16)) bpf" }
                remove.append(filter + "  # DISRUPTIVE: deletes the tc filter and what it enforces")
            }
        }
        return unique(inspect) + unique(remove)
    }

    /// `ip link` keyword of an XDP attach mode; `xdp` detaches whichever mode when it is unknown.
    private func xdpKeyword(_ mode: BPFAttachment.XDPMode?) -> String {
        switch mode {
        case .native: return "xdpdrv"
        case .generic: return "xdpgeneric"
        case .offload: return "xdpoffload"
        case nil: return "xdp"
        }
    }

    private func unique(_ commands: [String]) -> [String] {
        var seen = Set<String>()
        return commands.filter { seen.insert($0).inserted }
    }
}
