import Foundation
import Logging
import VNetModel

/// The host model assembled from every live collector, plus the raw sources behind it.
public struct HostCollection: Sendable {
    public var host: HostState
    public var raw: [RawSource]
}

/// Reads the whole live host. Each part is read independently: a part that fails is recorded as a
/// note and left `notCollected`, so the rest still reaches the report and judging can say
/// "inconclusive" for what depends on the missing part. Reading never changes the host.
///
/// Parts that need nothing from each other run at the same time, each on a thread started here (so
/// in the caller's network namespace): the socket tables behind the listeners cost the kernel a walk
/// of every TCP hash bucket, and the legacy tables of a busy host are the bulk of the work. Results
/// are put together in one fixed order, so the model does not depend on which part ends first.
public enum HostCollector {
    /// The parts of the host a read can be limited to (`show --only`); the rest stays `notCollected`.
    public enum Part: String, CaseIterable, Sendable {
        /// Links, bridges, addresses, routes and policy rules (rtnetlink).
        case links
        case sysctls
        /// nf_tables and both legacy x_tables families.
        case firewall
        case libvirt
        case listeners
    }

    public static func collectLive(libvirtPaths: LibvirtPaths = .system, parts: Set<Part> = Set(Part.allCases),
                                   logger: Logger) throws -> HostCollection {
        MallocArena.prepareForBulkReads()
        let listeners = parts.contains(.listeners) ? CollectorThread { ListenerReader.read() } : nil
        let nftables = parts.contains(.firewall) ? CollectorThread { () throws -> NftablesRead in
            logger.debug("reading nftables")
            return try NftablesReader.read()
        } : nil
        let legacy = parts.contains(.firewall) ? AddressFamily.allCases.map { family in
            CollectorThread { () throws -> LegacyTablesRead in
                logger.debug("reading \(legacySource(family))")
                return try LegacyIptablesReader.read(family: family)
            }
        } : []

        var host = HostState(hostname: hostName(), kernelRelease: kernelRelease(), collectedAt: Date())
        var raw: [RawSource] = []

        func record(_ source: String, _ error: Error) {
            logger.warning("\(source): \(error)")
            host.notes.append(CollectionNote(.error, source: source, "\(error)"))
        }

        if parts.contains(.links) {
            do {
                logger.debug("reading netlink")
                let state = try NetlinkRouteReader().read()
                host.links = state.links
                host.addresses = state.addresses
                host.routes = state.routes
                host.policyRules = state.policyRules
                host.notes += state.notes
                host.coverage.links = .live
                host.coverage.routes = .live
            } catch {
                record("netlink", error)
            }
        }
        if parts.contains(.sysctls) {
            host.sysctls = SysctlReader.read(linkNames: host.links.map(\.name))
            host.coverage.sysctls = .live
        }

        let bridges = host.links.filter { $0.kind == .bridge }.map(\.name)
        let libvirt = parts.contains(.libvirt) ? LibvirtReader.read(paths: libvirtPaths, bridgeNames: bridges) : nil

        switch nftables?.join() {
        case nil: break
        case .success(let read):
            host.firewall.tables += read.tables
            raw.append(read.raw)
            host.coverage.nftables = .live
        case .failure(let error):
            record("nftables", error)
        }
        for (family, thread) in zip(AddressFamily.allCases, legacy) {
            switch thread.join() {
            case .success(let read):
                host.firewall.tables += read.tables
                raw.append(read.raw)
                if family == .ipv4 { host.coverage.legacyIPv4 = .live } else { host.coverage.legacyIPv6 = .live }
            case .failure(let error):
                record(legacySource(family), error)
            }
        }

        if let libvirt {
            host.libvirt = libvirt.state
            host.notes += libvirt.notes
            raw += libvirt.raw
            host.coverage.libvirt = .live
        }

        if let listeners {
            if case .success(let read) = listeners.join() { host.listeners = read }
            host.coverage.listeners = .live
        }
        return HostCollection(host: host, raw: raw)
    }

    private static func legacySource(_ family: AddressFamily) -> String {
        family == .ipv4 ? "libiptc" : "libip6tc"
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "unknown" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func kernelRelease() -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/sys/kernel/osrelease") else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
