import Foundation
import VNetModel
#if canImport(Glibc)
import Glibc
#endif

/// One network's probe port while it exists: a veth whose host end is a port of the network's bridge
/// and whose other end sits in a private namespace holding a free address of each family, with default
/// routes via the host's address on the bridge.
final class ProbePort: @unchecked Sendable {
    let plan: ProbePortPlan
    let hostLink: String
    let mac: [UInt8]
    private let namespace: ProbeNamespace
    private(set) var addresses: [AddressFamily: IPAddress] = [:]

    /// Creates the port. The caller has saved `hostLink` in the state file before, so a kill at any
    /// point leaves nothing `probe --cleanup` does not know of.
    init(plan: ProbePortPlan, hostLink: String, mac: [UInt8], host: HostSide) throws {
        self.plan = plan
        self.hostLink = hostLink
        self.mac = mac
        namespace = try ProbeNamespace()
        try namespace.run {
            // Only the addresses chosen here: no SLAAC address from the bridge's router advertisements.
            for key in ["all", "default"] {
                for setting in ["accept_ra", "autoconf"] {
                    try? "0".write(toFile: "/proc/sys/net/ipv6/conf/\(key)/\(setting)", atomically: false, encoding: .utf8)
                }
            }
        }
        let (name, bridge, peerMAC, fd) = (hostLink, plan.bridge, mac, namespace.descriptor)
        try host.run {
            let netlink = try ProbeNetlink()
            try netlink.addVeth(hostName: name, master: try ProbeNetlink.index(of: bridge), peerName: ProbeNames.innerLink,
                                peerMAC: peerMAC, namespaceFD: fd)
        }
        addresses = try namespace.run { [plan, peerMAC] in try Self.configureInside(plan: plan, mac: peerMAC) }
    }

    /// Inside the namespace: link up, one free address per family (the first candidate nobody answers
    /// for), then the default routes.
    private static func configureInside(plan: ProbePortPlan, mac: [UInt8]) throws -> [AddressFamily: IPAddress] {
        let netlink = try ProbeNetlink()
        try netlink.setUp("lo")
        try netlink.setUp(ProbeNames.innerLink)
        guard netlink.waitUntilRunning(ProbeNames.innerLink) else {
            throw ProbeError.system("\(ProbeNames.innerLink) of network \(plan.network) never got a carrier", ETIMEDOUT)
        }
        var chosen: [AddressFamily: IPAddress] = [:]
        for family in plan.families {
            for candidate in family.candidates {
                if family.family == .ipv4 {
                    guard try !AddressInUseCheck.arpAnswered(candidate, interface: ProbeNames.innerLink, mac: mac) else { continue }
                    try netlink.addAddress(candidate, prefixLength: family.prefixLength, to: ProbeNames.innerLink, detectDuplicates: false)
                } else {
                    try netlink.addAddress(candidate, prefixLength: family.prefixLength, to: ProbeNames.innerLink, detectDuplicates: true)
                    guard !AddressInUseCheck.duplicateDetected(candidate) else { continue }
                }
                chosen[family.family] = candidate
                break
            }
            guard chosen[family.family] != nil else {
                throw ProbeError.noFreeAddress(network: plan.network, family: family.family == .ipv4 ? "IPv4" : "IPv6")
            }
            try netlink.addDefaultRoute(via: family.hostAddress, on: ProbeNames.innerLink)
        }
        return chosen
    }

    /// Every exchange of the plan, all at once (each bounded by `ProbeSender.timeout`), then the inbound
    /// probes from `peer`.
    func exercise(peer: String?, identifier: UInt16) -> [ProbeAttempt] {
        var jobs: [@Sendable () -> ProbeAttempt] = []
        for family in plan.families {
            guard let source = addresses[family.family] else { continue }
            for target in family.targets {
                jobs.append { ProbeSender.icmpEcho(from: source, to: target.address, identifier: identifier) }
                jobs.append { ProbeSender.tcpConnect(from: source, to: target.address, port: target.port ?? ProbePlan.defaultTCPPort) }
                jobs.append { ProbeSender.dnsQuery(.udpDNS, from: source, to: target.address, identifier: identifier) }
            }
            jobs.append { ProbeSender.dnsQuery(.dnsToHost, from: source, to: family.hostAddress, identifier: identifier &+ 1) }
            if family.servesDHCP {
                let mac = self.mac
                jobs.append { ProbeSender.dhcpDiscover(interface: ProbeNames.innerLink, mac: mac, transaction: UInt32(identifier) << 16 | 0x7661) }
            }
        }
        var attempts = runInside(jobs)
        if let peer {
            for (_, address) in addresses.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                let listener = try? namespace.run { try InboundProbe.Listener(address: address) }
                attempts.append(InboundProbe.connect(fromNamespace: peer, to: address))
                listener?.stop()
            }
        }
        return attempts
    }

    /// Runs each job on its own thread inside the namespace, concurrently; results in job order.
    private func runInside(_ jobs: [@Sendable () -> ProbeAttempt]) -> [ProbeAttempt] {
        let results = Box<[Int: ProbeAttempt]>()
        results.value = [:]
        let lock = NSLock()
        let group = DispatchGroup()
        let fd = namespace.descriptor
        for (i, job) in jobs.enumerated() {
            group.enter()
            Thread.detachNewThread {
                let attempt = (try? NamespaceThread.run(enteringDescriptor: fd, job))
                    ?? ProbeAttempt(kind: .icmpEcho, family: .ipv4, source: "?", destination: "?", outcome: .failed, detail: "could not enter the probe namespace")
                lock.withLock { results.value?[i] = attempt }
                group.leave()
            }
        }
        group.wait()
        return jobs.indices.compactMap { results.value?[$0] }
    }

    /// Deletes the host end (the kernel deletes its peer with it); the namespace goes with this object.
    func remove(host: HostSide) throws {
        let name = hostLink
        _ = try host.run { try ProbeNetlink().deleteLink(name) }
    }
}
