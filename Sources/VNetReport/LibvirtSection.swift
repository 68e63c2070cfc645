import VNetModel

/// libvirt networks one by one (what each promises and what the host has for it), then the
/// bridges libvirt does not manage.
struct LibvirtSection {
    let host: HostState
    let style: TextStyle
    private var topology: BridgeTopology { BridgeTopology(host: host) }

    func lines() -> [String] {
        let libvirt = host.libvirt
        let backend = libvirt.configuredFirewallBackend.map { "firewall_backend \($0.rawValue)" } ?? "firewall_backend unset"
        var out = [style.bold("libvirt networks") + " (\(backend))"]
        if host.coverage.libvirt == .notCollected {
            out.append("  " + style.warn("not collected"))
        } else if libvirt.networks.isEmpty {
            out.append("  none")
        }
        for network in libvirt.networks {
            out += self.network(network)
        }
        out += [""] + unmanagedBridges()
        return out
    }

    // MARK: one network

    private func network(_ n: LibvirtNetwork) -> [String] {
        var flags = [n.active ? style.good("active") : style.dim("inactive"), n.autostart ? "autostart" : "no autostart"]
        if !n.persistent { flags.append("transient") }
        var out = ["  " + style.bold(n.name) + "  " + flags.joined(separator: ", ") + "  mode " + mode(n)]
        let uplinks = topology.uplinks(of: n)
        if let bridge = n.bridge?.name {
            out.append(row("bridge", bridge + "  " + linkState(bridge, expected: n.active)))
        }
        for family in AddressFamily.allCases {
            for ip in n.ips where ip.family == family {
                out.append(row(family == .ipv4 ? "IPv4" : "IPv6", subnet(ip, bridge: n.bridge?.name, active: n.active)))
            }
        }
        if let bridge = n.bridge?.name, n.active {
            let guests = topology.guestPorts(of: bridge, uplinks: uplinks)
            out.append(row("guests", guests.isEmpty ? "none" : guests.map(portText).joined(separator: ", ")))
        }
        if n.mode != .isolated {
            out.append(row("uplink", uplinkText(n, uplinks)))
        }
        if n.mode.installsFirewallRules {
            let record = n.recordedFirewallBackend.map { "\($0.rawValue) (\(n.recordedFirewallRemoval.count) removal commands)" }
            out.append(row("firewall", n.active ? (record ?? "no fwRemoval record (libvirt < 10.4)") : "none while inactive"))
        }
        if let d = n.dnsmasq {
            out.append(row("dnsmasq", dnsmasq(d)))
        }
        return out
    }

    private func mode(_ n: LibvirtNetwork) -> String {
        guard n.mode == .nat else { return n.mode.rawValue }
        var text = "nat, IPv6 NAT " + (n.forward.nat?.ipv6 == true ? "yes" : "no")
        if let start = n.forward.nat?.addressStart {
            text += ", SNAT to \(start)" + (n.forward.nat?.addressEnd.map { "-\($0)" } ?? "")
        }
        if let low = n.forward.nat?.portStart, let high = n.forward.nat?.portEnd, (low, high) != (1024, 65535) {
            text += ", ports \(low)-\(high)"
        }
        return text
    }

    private func subnet(_ ip: NetworkIP, bridge: String?, active: Bool) -> String {
        var text = "\(ip.prefix.map(\.description) ?? "\(ip.address)/\(ip.prefixLength)")  host \(ip.address)"
        if active, let bridge, host.link(named: bridge) != nil,
           !host.addresses(of: bridge).contains(where: { $0.address == ip.address }) {
            text += " " + style.bad("(not on \(bridge))")
        }
        if !ip.dhcpRanges.isEmpty {
            text += "  DHCP " + ip.dhcpRanges.map { "\($0.start)-\($0.end)" }.joined(separator: ", ")
        }
        if !ip.dhcpHosts.isEmpty {
            text += "  \(ip.dhcpHosts.count) static host\(ip.dhcpHosts.count == 1 ? "" : "s")"
        }
        return text
    }

    private func uplinkText(_ n: LibvirtNetwork, _ uplinks: [String]) -> String {
        guard !uplinks.isEmpty else { return style.warn("none found") }
        let why: String
        switch n.mode {
        case .nat, .route, .open: why = n.forward.dev != nil ? "forward dev" : "default route"
        case .bridge: why = "bridge port"
        default: why = "forward dev"
        }
        return uplinks.map { "\($0) (\(why)) " + linkState($0, expected: true) }.joined(separator: "; ")
    }

    private func dnsmasq(_ d: DnsmasqState) -> String {
        let pid = d.pid.map { "pid \($0)" } ?? "no pid file"
        var text = d.running ? style.good("running") + " (\(pid))" : style.bad("not running") + " (\(pid), \(d.pidFile))"
        if let leases = d.leaseCount { text += ", \(leases) lease\(leases == 1 ? "" : "s")" }
        return text
    }

    // MARK: unmanaged bridges

    private func unmanagedBridges() -> [String] {
        var out = [style.bold("unmanaged bridges")]
        if host.libvirt.unmanagedBridges.isEmpty { out.append("  none") }
        for name in host.libvirt.unmanagedBridges {
            let users = host.libvirt.networks.filter { $0.mode == .bridge && $0.bridge?.name == name }.map(\.name)
            out.append("  " + style.bold(name) + "  " + linkState(name, expected: true)
                       + (users.isEmpty ? "" : "  used by " + users.joined(separator: ", ")))
            let ports = topology.ports(of: name)
            out.append(row("ports", ports.isEmpty ? "none" : ports.map(portText).joined(separator: ", ")))
        }
        return out
    }

    // MARK: shared pieces

    private func row(_ label: String, _ value: String) -> String {
        "    " + label.padding(toLength: 9, withPad: " ", startingAt: 0) + " " + value
    }

    /// `up, MTU 1500, STP on` from the live link, or why it is not there.
    private func linkState(_ name: String, expected: Bool) -> String {
        guard let link = host.link(named: name) else {
            if host.coverage.links == .notCollected { return style.dim("(links not collected)") }
            return expected ? style.bad("missing") : style.dim("absent (network inactive)")
        }
        let state = link.operState == .up ? style.good("up") : style.bad(link.operState.rawValue)
        var text = "\(state), MTU \(link.mtu)"
        if let bridge = link.bridge { text += ", STP \(bridge.stpEnabled ? "on" : "off")" }
        if link.wireless { text += ", " + style.warn("wireless") }
        return text
    }

    private func portText(_ link: Link) -> String {
        let stp = link.bridgePort.map { $0.stpState == .forwarding ? $0.stpState.rawValue : style.warn($0.stpState.rawValue) } ?? "?"
        var text = "\(link.name) (\(stp)"
        if link.operState != .up { text += ", " + style.bad(link.operState.rawValue) }
        return text + ", MTU \(link.mtu))"
    }
}

extension ForwardMode {
    /// Modes for which libvirt adds firewall rules of its own.
    var installsFirewallRules: Bool { [.nat, .route, .isolated].contains(self) }
}
