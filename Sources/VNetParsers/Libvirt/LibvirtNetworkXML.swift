import VNetModel

/// Interprets one `<network>` element (libvirt's network.rng) as a `LibvirtNetwork`. Everything the
/// model holds is read; the rest (QoS, port groups, virtualport, SR-IOV addresses) is ignored.
/// Values that cannot be understood throw with the line of their element, never trap.
struct LibvirtNetworkXML {
    let file: String

    func network(_ node: XMLTree, active: Bool, persistent: Bool) throws -> LibvirtNetwork {
        guard node.name == "network" else { throw fail(node, "expected <network>, found <\(node.name)>") }
        guard let name = node.child("name")?.text, !name.isEmpty else { throw fail(node, "<network> has no <name>") }
        let uuid = node.child("uuid")?.text
        return LibvirtNetwork(
            name: name,
            uuid: (uuid?.isEmpty ?? true) ? nil : uuid,
            active: active,
            persistent: persistent,
            autostart: false,
            forward: try forward(node.child("forward")),
            bridge: try node.child("bridge").map(bridge),
            mac: node.child("mac")?["address"],
            mtu: try node.child("mtu").map { try int($0, "size") },
            domain: node.child("domain")?["name"],
            ips: try node.children("ip").map(ip),
            routes: try node.children("route").map(route),
            dns: try node.child("dns").map(dns),
            sourceFiles: [file]
        )
    }

    // MARK: <forward>

    private func forward(_ node: XMLTree?) throws -> Forward {
        guard let node else { return Forward(mode: .isolated) }
        let mode: ForwardMode
        switch node["mode"] {
        case nil: mode = .nat
        case .some(let text):
            // `isolated` is our name for "no <forward>", not a libvirt mode.
            guard let m = ForwardMode(rawValue: text), m != .isolated else {
                throw fail(node, "unknown forward mode '\(text)'")
            }
            mode = m
        }
        return Forward(mode: mode, dev: node["dev"],
                       interfaces: node.children("interface").compactMap { $0["dev"] },
                       nat: try node.child("nat").map(nat))
    }

    private func nat(_ node: XMLTree) throws -> NATConfig {
        let address = node.child("address")
        let port = node.child("port")
        return NATConfig(addressStart: try address.map { try self.address($0, "start") },
                         addressEnd: try address.flatMap { $0["end"] == nil ? nil : try self.address($0, "end") },
                         portStart: try port.map { try int($0, "start") },
                         portEnd: try port.flatMap { $0["end"] == nil ? nil : try int($0, "end") },
                         ipv6: try yesNo(node, "ipv6") ?? false)
    }

    // MARK: <bridge>

    private func bridge(_ node: XMLTree) throws -> BridgeConfig {
        BridgeConfig(name: node["name"], stp: try yesNo(node, "stp"),
                     delay: try node["delay"] == nil ? nil : int(node, "delay"),
                     macTableManager: node["macTableManager"], zone: node["zone"])
    }

    // MARK: <ip>

    private func ip(_ node: XMLTree) throws -> NetworkIP {
        let address = try self.address(node, "address")
        let family: AddressFamily
        switch node["family"] {
        case nil: family = address.family
        case "ipv4": family = .ipv4
        case "ipv6": family = .ipv6
        case .some(let other): throw fail(node, "unknown address family '\(other)'")
        }
        guard address.family == family else {
            throw fail(node, "address \(address) is not \(family.rawValue)")
        }
        let dhcp = node.child("dhcp")
        return NetworkIP(family: family, address: address, prefixLength: try prefixLength(node, address: address),
                         dhcpRanges: try dhcp?.children("range").map(range) ?? [],
                         dhcpHosts: try dhcp?.children("host").map(dhcpHost) ?? [],
                         tftpRoot: node.child("tftp")?["root"])
    }

    /// `prefix=` or `netmask=`; without either libvirt uses the classful default for IPv4 and /64 for IPv6.
    private func prefixLength(_ node: XMLTree, address: IPAddress) throws -> Int {
        if node["prefix"] != nil {
            let n = try int(node, "prefix")
            guard n >= 0, n <= address.bitWidth else { throw fail(node, "prefix \(n) out of range for \(address)") }
            return n
        }
        if node["netmask"] != nil {
            let mask = try self.address(node, "netmask")
            guard let n = IPPrefix.length(ofNetmask: mask) else { throw fail(node, "netmask \(mask) is not contiguous") }
            return n
        }
        if address.family == .ipv6 { return 64 }
        switch address.low >> 24 {
        case 0..<128: return 8
        case 128..<192: return 16
        case 192..<224: return 24
        default: throw fail(node, "no prefix or netmask, and \(address) has no classful default")
        }
    }

    private func range(_ node: XMLTree) throws -> NetworkIP.Range {
        NetworkIP.Range(start: try address(node, "start"), end: try address(node, "end"))
    }

    private func dhcpHost(_ node: XMLTree) throws -> NetworkIP.Host {
        NetworkIP.Host(mac: node["mac"], name: node["name"], ip: try node["ip"] == nil ? nil : address(node, "ip"))
    }

    // MARK: <route>, <dns>

    private func route(_ node: XMLTree) throws -> NetworkRoute {
        let destination = try address(node, "address")
        return NetworkRoute(destination: IPPrefix(destination, length: try prefixLength(node, address: destination)),
                            gateway: try address(node, "gateway"),
                            metric: try node["metric"] == nil ? nil : int(node, "metric"))
    }

    /// Forwarders are kept in dnsmasq's `server=` syntax (`ADDR`, `/DOMAIN/ADDR`, `/DOMAIN/#` for
    /// "resolve locally only"), which is also what libvirt writes into the dnsmasq config; hosts as
    /// hosts-file lines (`IP NAME...`).
    private func dns(_ node: XMLTree) throws -> DNSConfig {
        DNSConfig(enabled: try yesNo(node, "enable"),
                  forwardPlainNames: try yesNo(node, "forwardPlainNames"),
                  forwarders: node.children("forwarder").map { f in
                      let addr = f["addr"].map { a in f["port"].map { "\(a)#\($0)" } ?? a }
                      guard let domain = f["domain"] else { return addr ?? "" }
                      return "/\(domain)/\(addr ?? "#")"
                  },
                  hosts: node.children("host").map { h in
                      ([h["ip"] ?? ""] + h.children("hostname").map(\.text)).joined(separator: " ")
                  })
    }

    // MARK: attribute values

    private func address(_ node: XMLTree, _ attribute: String) throws -> IPAddress {
        guard let text = node[attribute] else { throw fail(node, "<\(node.name)> has no \(attribute)=") }
        guard let a = IPAddress(text) else { throw fail(node, "\(attribute)='\(text)' is not an IP address") }
        return a
    }

    private func int(_ node: XMLTree, _ attribute: String) throws -> Int {
        guard let text = node[attribute] else { throw fail(node, "<\(node.name)> has no \(attribute)=") }
        guard let n = Int(text) else { throw fail(node, "\(attribute)='\(text)' is not a number") }
        return n
    }

    /// libvirt's tri-state switches: `yes`/`no` and `on`/`off` (stp); nil when absent.
    private func yesNo(_ node: XMLTree, _ attribute: String) throws -> Bool? {
        switch node[attribute] {
        case nil: return nil
        case "yes", "on": return true
        case "no", "off": return false
        case .some(let other): throw fail(node, "\(attribute)='\(other)' is not yes/no")
        }
    }

    func fail(_ node: XMLTree, _ message: String) -> LibvirtXMLError {
        LibvirtXMLError(file: file, line: node.line, column: node.column, message: message)
    }
}
