import Foundation
import VNetModel

/// Builds `LibvirtState` from libvirt's files laid out as in a snapshot (`LibvirtBundleLayout`). The
/// live reader and the snapshot reader both go through here with the same files, so a snapshot
/// reproduces exactly what was seen live. A file that does not parse becomes a note and its network
/// is skipped; nothing here traps.
public enum LibvirtStateBuilder {
    public static func build(raw: [RawSource], bridgeNames: [String]) -> (state: LibvirtState, notes: [CollectionNote]) {
        var files: [String: RawSource] = [:]
        for source in raw where source.bundlePath.hasPrefix("libvirt/") { files[source.bundlePath] = source }
        var notes: [CollectionNote] = []
        func warn(_ message: String) { notes.append(CollectionNote(.warning, source: "libvirt", message)) }

        let record = processRecord(files, warn: warn)
        var state = LibvirtState()
        if let conf = files[LibvirtBundleLayout.networkConf] {
            do {
                state.configuredFirewallBackend = try LibvirtXMLParser.parseNetworkConf(
                    String(decoding: conf.contents, as: UTF8.self), file: conf.origin)
            } catch {
                warn("\(error); firewall_backend treated as unset")
            }
        }

        let definitions = stems(files, in: LibvirtBundleLayout.definitions, ext: "xml")
        let statuses = stems(files, in: LibvirtBundleLayout.status, ext: "xml")
        let autostart = Set(stems(files, in: LibvirtBundleLayout.autostart, ext: "xml").keys)
        for stem in Set(definitions.keys).union(statuses.keys).sorted() {
            do {
                let definition = try definitions[stem].map { try LibvirtXMLParser.parseNetwork($0.contents, file: $0.origin) }
                let status = try statuses[stem].map { try LibvirtXMLParser.parseStatus($0.contents, file: $0.origin) }
                guard var network = status ?? definition else { continue }
                if network.name != stem {
                    warn("\((statuses[stem] ?? definitions[stem])?.origin ?? stem): file name says '\(stem)' but <name> is '\(network.name)'")
                }
                network.active = status != nil
                network.persistent = definition != nil
                network.autostart = autostart.contains(stem)
                network.uuid = network.uuid ?? definition?.uuid
                network.sourceFiles = [definitions[stem], statuses[stem]].compactMap { $0?.origin }
                network.dnsmasq = dnsmasq(for: network, stem: stem, files: files, record: record, warn: warn)
                state.networks.append(network)
            } catch {
                warn("\(error); network '\(stem)' skipped")
            }
        }
        state.networks.sort { $0.name < $1.name }
        state.unmanagedBridges = unmanagedBridges(networks: state.networks, bridgeNames: bridgeNames)
        return (state, notes)
    }

    /// Bridges libvirt does not create: host bridges that no network owns, plus those that
    /// `<forward mode='bridge'>` networks attach guests to.
    static func unmanagedBridges(networks: [LibvirtNetwork], bridgeNames: [String]) -> [String] {
        let ownBridge: Set<ForwardMode> = [.nat, .route, .open, .isolated]
        let owned = Set(networks.filter { ownBridge.contains($0.mode) }.compactMap { $0.bridge?.name })
        let used = networks.filter { $0.mode == .bridge }.compactMap { $0.bridge?.name }
        return Set(bridgeNames.filter { !owned.contains($0) } + used).sorted()
    }

    // MARK: dnsmasq

    /// A network gets a dnsmasq state when it has a pid file, or when libvirt would have started one:
    /// an active network with its own bridge and an address, unless DNS is off and there is no DHCP/TFTP.
    private static func dnsmasq(for network: LibvirtNetwork, stem: String, files: [String: RawSource],
                                record: LibvirtProcessRecord, warn: (String) -> Void) -> DnsmasqState? {
        let pidSource = files[LibvirtBundleLayout.status + stem + ".pid"]
        let servesGuests = [ForwardMode.nat, .route, .open, .isolated].contains(network.mode) && !network.ips.isEmpty
        let needed = network.dns?.enabled != false
            || network.ips.contains { !$0.dhcpRanges.isEmpty || !$0.dhcpHosts.isEmpty || $0.tftpRoot != nil }
        guard pidSource != nil || (network.active && servesGuests && needed) else { return nil }
        let pid = pidSource.flatMap { Int(String(decoding: $0.contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
        return DnsmasqState(pidFile: pidSource?.origin ?? "\(record.runDir)/network/\(stem).pid",
                            pid: pid,
                            running: pid != nil && record.dnsmasq.first { $0.network == stem && $0.pid == pid }?.running == true,
                            configFile: files[LibvirtBundleLayout.dnsmasq + stem + ".conf"]?.origin,
                            leaseCount: leaseCount(stem: stem, bridge: network.bridge?.name, files: files, warn: warn))
    }

    /// From `NAME.leases` when dnsmasq keeps its own file, else from libvirt's `BRIDGE.status`.
    private static func leaseCount(stem: String, bridge: String?, files: [String: RawSource], warn: (String) -> Void) -> Int? {
        if let leases = files[LibvirtBundleLayout.dnsmasq + stem + ".leases"] {
            return DnsmasqLeases.countLeaseFile(leases.contents)
        }
        guard let bridge, let status = files[LibvirtBundleLayout.dnsmasq + bridge + ".status"] else { return nil }
        guard let count = DnsmasqLeases.countStatusFile(status.contents) else {
            warn("\(status.origin): not a JSON array of leases; lease count unknown")
            return nil
        }
        return count
    }

    private static func processRecord(_ files: [String: RawSource], warn: (String) -> Void) -> LibvirtProcessRecord {
        guard let source = files[LibvirtProcessRecord.bundlePath] else {
            if files.keys.contains(where: { $0.hasPrefix(LibvirtBundleLayout.status) && $0.hasSuffix(".pid") }) {
                warn("\(LibvirtProcessRecord.bundlePath) missing: every dnsmasq is taken as not running")
            }
            return .systemDirectories
        }
        do {
            return try ModelJSON.decoder().decode(LibvirtProcessRecord.self, from: source.contents)
        } catch {
            warn("\(source.bundlePath): \(error); every dnsmasq is taken as not running")
            return .systemDirectories
        }
    }

    /// Files directly inside `folder` with extension `ext`, by name without the extension.
    private static func stems(_ files: [String: RawSource], in folder: String, ext: String) -> [String: RawSource] {
        var out: [String: RawSource] = [:]
        for (path, source) in files where path.hasPrefix(folder) && path.hasSuffix("." + ext) {
            let name = path.dropFirst(folder.count).dropLast(ext.count + 1)
            if !name.isEmpty, !name.contains("/") { out[String(name)] = source }
        }
        return out
    }
}
