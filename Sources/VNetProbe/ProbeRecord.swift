import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a probe run has created, written before each creation so that `vnetaudit probe --cleanup` can
/// remove the leftovers of a run that was killed (and only those): one JSON file per process.
public struct ProbeRecord: Codable, Equatable, Sendable {
    public var pid: Int32
    /// The process's start time (field 22 of /proc/PID/stat): tells a live run from a reused pid.
    public var processStart: String?
    /// Host-side veth ends, in the network namespace the run worked in.
    public var hostLinks: [String]
    /// `--netns` of the run; nil for the namespace `probe --cleanup` itself runs in.
    public var namespace: String?

    public init(pid: Int32, processStart: String?, hostLinks: [String] = [], namespace: String?) {
        self.pid = pid
        self.processStart = processStart
        self.hostLinks = hostLinks
        self.namespace = namespace
    }

    /// True while the process that wrote the record still runs (same pid, same start time).
    public var ownerAlive: Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        return processStart == nil || ProbeRecord.startTime(of: pid) == processStart
    }

    static func startTime(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }
}

/// The state files under `ProbeNames.stateDirectory`.
public enum ProbeRecordStore {
    /// Writes (atomically replaces) the record of this process.
    public static func save(_ record: ProbeRecord, directory: String = ProbeNames.stateDirectory) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(record)
        try data.write(to: URL(fileURLWithPath: "\(directory)/\(record.pid).json"), options: .atomic)
    }

    public static func remove(pid: Int32, directory: String = ProbeNames.stateDirectory) {
        unlink("\(directory)/\(pid).json")
    }

    /// Every readable record with its file; unreadable files are returned as nil records to be reported.
    public static func all(directory: String = ProbeNames.stateDirectory) -> [(file: String, record: ProbeRecord?)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { name in
            let file = "\(directory)/\(name)"
            let record = FileManager.default.contents(atPath: file).flatMap { try? JSONDecoder().decode(ProbeRecord.self, from: $0) }
            return (file, record)
        }
    }
}
