import Foundation
import VNetReport
#if canImport(Glibc)
import Glibc
#endif

/// The names one check run takes in a report folder: `STEM.EXT` per report format and the folder
/// `STEM/` for the evidence pcaps, where STEM is `HOST-YYYYMMDDTHHMMSSZ` (UTC), then `-2`, `-3`... when
/// an earlier or concurrent run of the same second holds it. The evidence folder is created first:
/// mkdir(2) is atomic, so it is what reserves the stem; `release()` removes it again when it stayed empty.
struct ReportDirectory {
    let path: String
    let stem: String

    /// Creates `path` if needed and reserves the first free stem for `hostname` at `date`.
    static func reserve(in path: String, hostname: String, at date: Date) throws -> ReportDirectory {
        try makeDirectories(path)
        let base = fileName(hostname) + "-" + timestamp(date)
        for attempt in 1...1000 {
            let candidate = ReportDirectory(path: path, stem: attempt == 1 ? base : "\(base)-\(attempt)")
            guard mkdir(candidate.evidenceDirectory, 0o777) == 0 else {
                if errno == EEXIST { continue }
                throw VNetAuditFailure("\(candidate.evidenceDirectory): cannot create: \(String(cString: strerror(errno)))")
            }
            // Reports of an earlier run whose evidence folder was removed as empty keep the stem taken.
            if ReportFormat.allCases.contains(where: { FileManager.default.fileExists(atPath: candidate.file(for: $0)) }) {
                rmdir(candidate.evidenceDirectory)
                continue
            }
            return candidate
        }
        throw VNetAuditFailure("\(path): a thousand reports of \(base) already; not adding more")
    }

    /// Where the report in `format` goes.
    func file(for format: ReportFormat) -> String { path + "/" + stem + "." + format.fileExtension }

    /// Where the evidence pcaps go (the reports name them `STEM/evidence/...`, relative to themselves).
    var evidenceDirectory: String { path + "/" + stem }

    /// Gives the evidence folder back when nothing was written into it (rmdir(2) keeps a non-empty one).
    func release() { rmdir(evidenceDirectory) }

    /// The host name as a file name: letters, digits, `.`, `_` and `-` kept, anything else `_`, no
    /// leading or trailing dot or `_` (a snapshot's host name is whatever its writer said; `(files)` for rule-set files).
    static func fileName(_ hostname: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let mapped = String(hostname.prefix(64).map { allowed.contains($0) ? $0 : "_" })
        let kept = mapped.trimmingCharacters(in: CharacterSet(charactersIn: "._"))
        return kept.isEmpty ? "host" : kept
    }

    /// `20261123T041500Z`: ISO 8601 basic format, UTC, sortable, no colons (not allowed everywhere).
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// `mkdir -p`, with the system's reason when it cannot.
    private static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            var status = stat()
            if stat(current, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR { continue }
            guard mkdir(current, 0o777) == 0 || errno == EEXIST else {
                throw VNetAuditFailure("\(path): cannot create the report folder: \(String(cString: strerror(errno)))")
            }
        }
    }
}
