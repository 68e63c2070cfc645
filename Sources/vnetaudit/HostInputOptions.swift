import ArgumentParser
import Foundation
import Logging
import VNetCollect
import VNetModel
import VNetParsers
import VNetSnapshot

/// Where the host state comes from. Every command that reads the host takes these options, so
/// each works live, on a snapshot, or on bare rule-set files alike.
struct HostInputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Read a snapshot bundle written by `vnetaudit snapshot` instead of the live host.", valueName: "dir"))
    var snapshot: String?

    @Option(name: .customLong("iptables-save"), help: ArgumentHelp("Read an IPv4 `iptables-save` file (legacy or nft flavour).", valueName: "file"))
    var iptablesSave: String?

    @Option(name: .customLong("ip6tables-save"), help: ArgumentHelp("Read an IPv6 `ip6tables-save` file (legacy or nft flavour).", valueName: "file"))
    var ip6tablesSave: String?

    @Option(name: .customLong("nft-json"), help: ArgumentHelp("Read an `nft -j list ruleset` file.", valueName: "file"))
    var nftJSON: String?

    @Option(name: .long, help: ArgumentHelp("Read the live state of this network namespace (/run/netns/NAME).", valueName: "name"))
    var netns: String?

    var usesFiles: Bool { iptablesSave != nil || ip6tablesSave != nil || nftJSON != nil }

    /// Where the state came from, in words, for reports.
    var sourceDescription: String {
        if let snapshot { return "snapshot \(snapshot)" }
        if usesFiles { return "files " + [iptablesSave, ip6tablesSave, nftJSON].compactMap { $0 }.joined(separator: ", ") }
        if let netns { return "live, network namespace \(netns)" }
        return "live"
    }

    func validate() throws {
        let sources = [snapshot != nil, usesFiles, netns != nil].filter { $0 }.count
        if sources > 1 {
            throw ValidationError("--snapshot, the rule-set files and --netns exclude each other: pick one source.")
        }
    }
}

/// The host state plus the raw inputs it was built from.
struct LoadedHost {
    var host: HostState
    var raw: [RawSource]
}

enum HostLoader {
    /// - Parameter parts: what a live read collects (everything unless `show --only` limits it).
    static func load(_ options: HostInputOptions, parts: Set<HostCollector.Part> = Set(HostCollector.Part.allCases),
                     logger: Logger) throws -> LoadedHost {
        if let dir = options.snapshot {
            logger.debug("reading the snapshot \(dir)")
            do {
                let snap = try SnapshotBundle.read(from: URL(fileURLWithPath: dir))
                return LoadedHost(host: snap.host, raw: snap.raw)
            } catch {
                throw VNetAuditFailure("\(error)")
            }
        }
        if options.usesFiles {
            logger.debug("reading the \(options.sourceDescription)")
            return try loadFiles(options)
        }
        let missing = Privileges.missingForLiveCollection()
        if !missing.isEmpty {
            throw VNetAuditFailure("reading the live host needs " + missing.joined(separator: ", ")
                                   + "; or read saved state with --snapshot, --iptables-save or --nft-json")
        }
        do {
            if let ns = options.netns {
                let collected = try NetworkNamespace.run(named: ns) { try HostCollector.collectLive(parts: parts, logger: logger) }
                return LoadedHost(host: collected.host, raw: collected.raw)
            }
            let collected = try HostCollector.collectLive(parts: parts, logger: logger)
            return LoadedHost(host: collected.host, raw: collected.raw)
        } catch let e as VNetAuditFailure {
            throw e
        } catch {
            throw VNetAuditFailure("\(error)")
        }
    }

    /// Bare rule-set files: only the firewall is known; everything else stays `notCollected`.
    private static func loadFiles(_ options: HostInputOptions) throws -> LoadedHost {
        var host = HostState(hostname: "(files)", collectedAt: Date())
        var raw: [RawSource] = []
        func contents(_ path: String) throws -> Data {
            guard let d = FileManager.default.contents(atPath: path) else {
                throw VNetAuditFailure("\(path): cannot read the file")
            }
            return d
        }
        for (path, family) in [(options.iptablesSave, AddressFamily.ipv4), (options.ip6tablesSave, .ipv6)] {
            guard let path else { continue }
            let data = try contents(path)
            let text = String(decoding: data, as: UTF8.self)
            let system = IptablesSaveFlavour.system(of: text)
            do {
                host.firewall.tables += try IptablesSaveParser.parse(text, family: family, system: system, file: path)
            } catch {
                throw VNetAuditFailure("\(error)")
            }
            switch (family, system) {
            case (.ipv4, .xtables): host.coverage.legacyIPv4 = .file
            case (.ipv6, .xtables): host.coverage.legacyIPv6 = .file
            case (_, .nftables): host.coverage.nftables = .file
            }
            raw.append(RawSource(bundlePath: "firewall/" + (family == .ipv4 ? "iptables.save" : "ip6tables.save"),
                                 origin: path, contents: data))
        }
        if let path = options.nftJSON {
            let data = try contents(path)
            do {
                host.firewall.tables += try NftJSONDecoder.decode(data, file: path)
            } catch {
                throw VNetAuditFailure("\(error)")
            }
            host.coverage.nftables = .file
            raw.append(RawSource(bundlePath: "firewall/nftables.json", origin: path, contents: data))
        }
        return LoadedHost(host: host, raw: raw)
    }
}

/// `iptables-save` says in its header which backend produced it: "(nf_tables)" or "(legacy)".
enum IptablesSaveFlavour {
    static func system(of text: String) -> RuleSystem {
        for line in text.split(separator: "\n", maxSplits: 8) where line.hasPrefix("#") {
            if line.contains("(nf_tables)") { return .nftables }
            if line.contains("(legacy)") { return .xtables }
        }
        return .xtables
    }
}
