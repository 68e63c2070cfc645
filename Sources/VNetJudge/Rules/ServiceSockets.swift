import VNetModel

/// The DNS and DHCP sockets libvirt's dnsmasq needs for a network, and the listeners that hold them.
struct ServiceSocket: Hashable {
    let transport: Listener.Transport
    /// The bridge address for DNS; the unspecified address for DHCP (dnsmasq listens on the wildcard).
    let address: IPAddress
    let port: Int

    var text: String {
        let host = address.family == .ipv6 ? "[\(address)]" : address.description
        return "\(transport.rawValue) \(host):\(port)"
    }

    /// DNS on udp and tcp 53 at each bridge address (when DNS is on), DHCP on udp 67 / 547 when served.
    static func needed(by network: LibvirtNetwork) -> [ServiceSocket] {
        network.ips.flatMap { ip -> [ServiceSocket] in
            var sockets: [ServiceSocket] = []
            if network.servesDNS {
                sockets += [ServiceSocket(transport: .udp, address: ip.address, port: 53),
                            ServiceSocket(transport: .tcp, address: ip.address, port: 53)]
            }
            if network.servesDHCP(ip) {
                let any = ip.family == .ipv4 ? IPAddress(ipv4: 0) : IPAddress(ipv6High: 0, low: 0)
                sockets.append(ServiceSocket(transport: .udp, address: any, port: ip.family == .ipv4 ? 67 : 547))
            }
            return sockets
        }
    }

    /// Listeners that take this socket's port for the bridge: bound to the same address, or to the
    /// wildcard of its family without being tied to another device.
    func holders(_ listeners: [Listener], bridge: String) -> [Listener] {
        listeners.filter { listener in
            listener.transport == transport && listener.port == port && listener.address.family == address.family
                && (listener.address == address
                    || (listener.address.isUnspecified && (listener.boundDevice == nil || listener.boundDevice == bridge)))
        }
    }
}
