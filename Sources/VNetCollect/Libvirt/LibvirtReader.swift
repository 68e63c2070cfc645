import Foundation
import VNetModel
import VNetParsers

/// libvirt's networks as the host has them, with the files they were read from.
public struct LibvirtRead: Sendable {
    public var state: LibvirtState
    /// Every file read, laid out as in a snapshot (`LibvirtBundleLayout`), plus `libvirt/processes.json`.
    public var raw: [RawSource]
    public var notes: [CollectionNote]

    public init(state: LibvirtState, raw: [RawSource], notes: [CollectionNote]) {
        self.state = state
        self.raw = raw
        self.notes = notes
    }
}

/// Reads libvirt's network files (never talks to libvirtd, so it works whether or not the daemon
/// runs, and changes nothing). The files are gathered first, then interpreted by
/// `LibvirtStateBuilder` exactly as a snapshot's copies would be.
public enum LibvirtReader {
    public static func read(paths: LibvirtPaths = .system, bridgeNames: [String]) -> LibvirtRead {
        var gatherer = LibvirtFileGatherer(paths: paths)
        gatherer.gather()
        let raw = gatherer.raw.sorted { $0.bundlePath < $1.bundlePath }
        let built = LibvirtStateBuilder.build(raw: raw, bridgeNames: bridgeNames)
        return LibvirtRead(state: built.state, raw: raw, notes: gatherer.notes + built.notes)
    }

    /// Same result from files already saved (a snapshot's raw/libvirt tree).
    public static func read(raw: [RawSource], bridgeNames: [String]) -> LibvirtRead {
        let own = raw.filter { $0.bundlePath.hasPrefix("libvirt/") }.sorted { $0.bundlePath < $1.bundlePath }
        let built = LibvirtStateBuilder.build(raw: own, bridgeNames: bridgeNames)
        return LibvirtRead(state: built.state, raw: own, notes: built.notes)
    }
}

/// Copies the files that matter out of the three libvirt directories and checks each dnsmasq pid.
private struct LibvirtFileGatherer {
    let paths: LibvirtPaths
    var raw: [RawSource] = []
    var notes: [CollectionNote] = []
    private let fm = FileManager.default

    init(paths: LibvirtPaths) { self.paths = paths }

    mutating func gather() {
        guard fm.fileExists(atPath: paths.configDir) || fm.fileExists(atPath: paths.runDir) else {
            notes.append(CollectionNote(.info, source: "libvirt",
                                        "no libvirt state (\(paths.configDir) and \(paths.runDir) do not exist)"))
            record(pidFiles: [])
            return
        }
        copy(paths.configDir + "/network.conf", to: LibvirtBundleLayout.networkConf)
        let definitions = names(in: paths.configDir + "/qemu/networks", ext: "xml")
        for name in definitions {
            copy(paths.configDir + "/qemu/networks/\(name).xml", to: LibvirtBundleLayout.definitions + name + ".xml")
        }
        for name in names(in: paths.configDir + "/qemu/networks/autostart", ext: "xml") {
            copyAutostart(name)
        }
        let statuses = names(in: paths.runDir + "/network", ext: "xml")
        for name in statuses {
            copy(paths.runDir + "/network/\(name).xml", to: LibvirtBundleLayout.status + name + ".xml")
        }
        // Only networks' pid files: driver.pid (libvirtd's own) and strays are left alone.
        let networks = Set(definitions + statuses)
        let pidFiles = names(in: paths.runDir + "/network", ext: "pid").filter { networks.contains($0) }
        for name in pidFiles {
            copy(paths.runDir + "/network/\(name).pid", to: LibvirtBundleLayout.status + name + ".pid")
        }
        for ext in ["conf", "leases", "status"] {
            for name in names(in: paths.libDir + "/dnsmasq", ext: ext) {
                copy(paths.libDir + "/dnsmasq/\(name).\(ext)", to: LibvirtBundleLayout.dnsmasq + name + "." + ext)
            }
        }
        record(pidFiles: pidFiles)
    }

    /// Writes `libvirt/processes.json`: for each pid file, whether that pid is a live dnsmasq.
    private mutating func record(pidFiles: [String]) {
        let entries = pidFiles.map { name -> LibvirtProcessRecord.Dnsmasq in
            let text = raw.first { $0.bundlePath == LibvirtBundleLayout.status + name + ".pid" }
                .map { String(decoding: $0.contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
            let pid = text.flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            let command = pid.flatMap { try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8) }?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let alive = pid.map(ProcessLiveness.isAlive) ?? false
            return LibvirtProcessRecord.Dnsmasq(network: name, pid: pid, command: command, running: command == "dnsmasq" && alive)
        }
        let record = LibvirtProcessRecord(configDir: paths.configDir, runDir: paths.runDir, libDir: paths.libDir,
                                          dnsmasq: entries)
        do {
            raw.append(RawSource(bundlePath: LibvirtProcessRecord.bundlePath, origin: "/proc/PID/comm of dnsmasq pid files",
                                 contents: try ModelJSON.encoder().encode(record)))
        } catch {
            notes.append(CollectionNote(.error, source: "libvirt", "cannot encode \(LibvirtProcessRecord.bundlePath): \(error)"))
        }
    }

    /// An autostart entry is a symlink to the definition; the bundle keeps the link target as text.
    private mutating func copyAutostart(_ name: String) {
        let path = paths.configDir + "/qemu/networks/autostart/\(name).xml"
        let bundlePath = LibvirtBundleLayout.autostart + name + ".xml"
        if let target = try? fm.destinationOfSymbolicLink(atPath: path) {
            raw.append(RawSource(bundlePath: bundlePath, origin: path, contents: Data(target.utf8)))
        } else {
            copy(path, to: bundlePath)
        }
    }

    private mutating func copy(_ path: String, to bundlePath: String) {
        guard fm.fileExists(atPath: path) else { return }
        do {
            raw.append(RawSource(bundlePath: bundlePath, origin: path, contents: try Data(contentsOf: URL(fileURLWithPath: path))))
        } catch {
            notes.append(CollectionNote(.warning, source: "libvirt", "\(path): cannot read: \(error.localizedDescription)"))
        }
    }

    /// Names (without extension) of the entries of `dir` ending in `.ext`, sorted; none when `dir` is missing.
    private func names(in dir: String, ext: String) -> [String] {
        guard let entries = try? fm.contentsOfDirectory(atPath: dir) else { return [] }
        return entries.filter { $0.hasSuffix("." + ext) && $0.count > ext.count + 1 }
            .map { String($0.dropLast(ext.count + 1)) }
            .filter { !isDirectory(dir + "/" + $0 + "." + ext) }
            .sorted()
    }

    private func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return fm.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }
}
