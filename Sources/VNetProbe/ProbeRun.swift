import Foundation
import VNetModel
#if canImport(Glibc)
import Glibc
#endif

/// What one network's probe port did: its addresses and every exchange with its outcome.
public struct ProbeResult: Sendable, Hashable {
    public var network: String
    public var hostLink: String
    public var addresses: [IPAddress]
    public var attempts: [ProbeAttempt]
}

/// A probe run: announces the ports, creates them (recording each in the state file first), exercises
/// them, and removes everything in `tearDown`, which the caller runs on every way out (normal end,
/// error, Ctrl-C). A SIGKILL leaves the state file for `vnetaudit probe --cleanup`.
public final class ProbeRun: @unchecked Sendable {
    public let plans: [ProbePortPlan]
    public let host: HostSide
    public let peer: String?
    private var record: ProbeRecord
    private var ports: [ProbePort] = []
    private let say: (String) -> Void

    public init(plans: [ProbePortPlan], host: HostSide, peer: String?, say: @escaping (String) -> Void) {
        self.plans = plans
        self.host = host
        self.peer = peer
        self.say = say
        let pid = getpid()
        record = ProbeRecord(pid: pid, processStart: ProbeRecord.startTime(of: pid), namespace: host.namespace)
    }

    /// What `setUp` will create, one line per port.
    public var announcement: [String] {
        plans.enumerated().map { index, plan in
            let families = plan.families.map { f in
                "\(f.candidates.first.map { "\($0)/\(f.prefixLength)" } ?? "none free") (or the next free one)"
            }.joined(separator: " and ")
            let targets = plan.families.flatMap(\.targets).map(\.description)
            return "network \(plan.network): veth \(ProbeNames.hostLink(pid: record.pid, index: index)) on bridge \(plan.bridge)"
                + "\(host.namespace.map { " (netns \($0))" } ?? ""), its peer in a private namespace with \(families)"
                + "; targets \(targets.isEmpty ? "none (DHCP and DNS of the host only)" : targets.joined(separator: ", "))"
                + (peer.map { "; inbound from netns \($0)" } ?? "")
        }
    }

    /// Records every port in the state file, then creates them all at once (address checks take a
    /// second or two each); the first failure is thrown once all have ended, and whatever was made stays
    /// listed for `tearDown`. Nothing is created once `shouldStop` (Ctrl-C) says so.
    public func setUp(shouldStop: @escaping @Sendable () -> Bool) throws {
        let names = plans.indices.map { ProbeNames.hostLink(pid: record.pid, index: $0) }
        record.hostLinks = names
        try ProbeRecordStore.save(record)
        let made = Box<[Int: Result<ProbePort, Error>]>()
        made.value = [:]
        let lock = NSLock()
        let group = DispatchGroup()
        let (host, pid) = (host, record.pid)
        for (index, plan) in plans.enumerated() {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard !shouldStop() else { return }
                let result = Result { try ProbePort(plan: plan, hostLink: names[index], mac: ProbeNames.innerMAC(pid: pid, index: index), host: host) }
                lock.withLock { made.value?[index] = result }
            }
        }
        group.wait()
        var failure: Error?
        for index in plans.indices {
            switch made.value?[index] {
            case .success(let port)?:
                ports.append(port)
                say("network \(port.plan.network): probe port \(port.hostLink) holds "
                    + port.addresses.values.sorted().map(\.description).joined(separator: ", "))
            case .failure(let error)?:
                failure = failure ?? error
            case nil:
                break
            }
        }
        if let failure { throw failure }
    }

    /// Runs every port's exchanges, all networks at once.
    public func exercise() -> [ProbeResult] {
        let results = Box<[Int: ProbeResult]>()
        results.value = [:]
        let lock = NSLock()
        let group = DispatchGroup()
        for (i, port) in ports.enumerated() {
            group.enter()
            let peer = peer
            Thread.detachNewThread {
                let attempts = port.exercise(peer: peer, identifier: UInt16(truncatingIfNeeded: getpid()) &+ UInt16(i) &* 2)
                let result = ProbeResult(network: port.plan.network, hostLink: port.hostLink,
                                         addresses: port.addresses.values.sorted(), attempts: attempts)
                lock.withLock { results.value?[i] = result }
                group.leave()
            }
        }
        group.wait()
        return ports.indices.compactMap { results.value?[$0] }
    }

    /// Removes every port and then the state file; returns what could not be removed (the state file is
    /// kept then, for `probe --cleanup`).
    @discardableResult
    public func tearDown() -> [String] {
        var problems: [String] = []
        for port in ports {
            do {
                try port.remove(host: host)
            } catch {
                problems.append("\(port.hostLink): \(error)")
            }
        }
        // A link recorded but whose creation failed half way (or was skipped) may still exist.
        let made = Set(ports.map(\.hostLink))
        for name in record.hostLinks where !made.contains(name) {
            do { _ = try host.run { try ProbeNetlink().deleteLink(name) } } catch { problems.append("\(name): \(error)") }
        }
        ports.removeAll()
        if problems.isEmpty { ProbeRecordStore.remove(pid: record.pid) }
        return problems
    }
}
