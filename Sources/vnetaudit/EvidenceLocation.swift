import Foundation
import VNetCapture
import VNetJudge
import VNetTraffic

/// Where evidence pcaps go and how findings name them. The traffic judge names files relative to the
/// report (`evidence/NETWORK-ID-FAMILY.pcap`); they are written under `directory`, and findings name
/// them relative to the report file when there is one, else by the path they were written to.
struct EvidenceLocation {
    /// On disk: `--evidence-dir`, else the report file's directory, else `reports`.
    let directory: String
    /// Put before the judge's relative names in findings ("" when the report sits in `directory`).
    let prefix: String

    init(reportFile: String?, evidenceDirectory: String?) {
        let reportDirectory = reportFile.map { Self.absolute(($0 as NSString).deletingLastPathComponent) }
        switch (reportDirectory, evidenceDirectory) {
        case (let report?, nil):
            directory = report
            prefix = ""
        case (let report?, let chosen?):
            directory = chosen
            let target = Self.absolute(chosen)
            if target == report {
                prefix = ""
            } else if target.hasPrefix(report.hasSuffix("/") ? report : report + "/") {
                prefix = String(target.dropFirst(report.count).drop { $0 == "/" }) + "/"
            } else {
                prefix = target + "/"
            }
        case (nil, let chosen):
            directory = chosen ?? "reports"
            prefix = directory + "/"
        }
    }

    /// The evidence folder as the report names it: relative to the report file, or the path written to.
    var displayedDirectory: String { prefix.isEmpty ? "." : String(prefix.dropLast()) }

    /// Writes every evidence file (atomically, nanosecond pcap), creating folders as needed.
    func write(_ evidence: [EvidenceCapture]) throws {
        for file in evidence {
            let path = directory + "/" + file.file
            do {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try CaptureFile.write(file.frames, linkType: file.linkType, to: path)
            } catch let error as CaptureFileError {
                throw VNetAuditFailure("\(error.file): cannot write the evidence: \(error.reason)")
            } catch {
                throw VNetAuditFailure("\(path): cannot write the evidence: \(error.localizedDescription)")
            }
        }
    }

    /// `finding` with its packet evidence named as the report's reader finds it.
    func relocate(_ finding: Finding) -> Finding {
        guard !prefix.isEmpty else { return finding }
        var moved = finding
        for i in moved.evidence.indices where moved.evidence[i].kind == .packets {
            moved.evidence[i].file = moved.evidence[i].file.map { prefix + $0 }
        }
        return moved
    }

    private static func absolute(_ path: String) -> String {
        let base = path.isEmpty ? "." : path
        let full = base.hasPrefix("/") ? base : FileManager.default.currentDirectoryPath + "/" + base
        return (full as NSString).standardizingPath
    }
}
