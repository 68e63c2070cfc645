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
public enum HostCollector {
    public static func collectLive(libvirtPaths: LibvirtPaths = .system, logger: Logger) throws -> HostCollection {
        var host = HostState(hostname: hostName(), kernelRelease: kernelRelease(), collectedAt: Date())
        var raw: [RawSource] = []

        func attempt(_ source: String, _ body: () throws -> Void) {
            do {
                logger.debug("reading \(source)")
                try body()
            } catch {
                logger.warning("\(source): \(error)")
                host.notes.append(CollectionNote(.error, source: source, "\(error)"))
            }
        }

        attempt("netlink") {
            let state = try NetlinkRouteReader().read()
            host.links = state.links
            host.addresses = state.addresses
            host.routes = state.routes
            host.policyRules = state.policyRules
            host.notes += state.notes
            host.coverage.links = .live
            host.coverage.routes = .live
        }
        host.sysctls = SysctlReader.read(linkNames: host.links.map(\.name))
        host.coverage.sysctls = .live

        attempt("nftables") {
            let read = try NftablesReader.read()
            host.firewall.tables += read.tables
            raw.append(read.raw)
            host.coverage.nftables = .live
        }
        for family in AddressFamily.allCases {
            attempt(family == .ipv4 ? "libiptc" : "libip6tc") {
                let read = try LegacyIptablesReader.read(family: family)
                host.firewall.tables += read.tables
                raw.append(read.raw)
                if family == .ipv4 { host.coverage.legacyIPv4 = .live } else { host.coverage.legacyIPv6 = .live }
            }
        }

        let bridges = host.links.filter { $0.kind == .bridge }.map(\.name)
        let libvirt = LibvirtReader.read(paths: libvirtPaths, bridgeNames: bridges)
        host.libvirt = libvirt.state
        host.notes += libvirt.notes
        raw += libvirt.raw
        host.coverage.libvirt = .live

        host.listeners = ListenerReader.read()
        host.coverage.listeners = .live
        return HostCollection(host: host, raw: raw)
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
