import Foundation
import VNetCollect
#if canImport(Glibc)
import Glibc
#endif

/// `vnetaudit probe --cleanup`: removes what killed probe runs left (their veths and state files), and
/// nothing of a run still alive or of anyone else.
public enum ProbeCleanup {
    /// One line per thing removed or kept; `namespace` (`--netns`) is also searched for orphan
    /// `vnap<pid>-<n>` links whose process is gone.
    public static func run(namespace: String?, directory: String = ProbeNames.stateDirectory) -> (lines: [String], failed: Bool) {
        var lines: [String] = []
        var failed = false
        for (file, record) in ProbeRecordStore.all(directory: directory) {
            guard let record else {
                lines.append("\(file): not a probe state file vnetaudit can read; left alone")
                continue
            }
            if record.ownerAlive {
                lines.append("\(file): run \(record.pid) is still alive; left alone")
                continue
            }
            var ok = true
            for link in record.hostLinks {
                do {
                    let removed = try HostSide(namespace: record.namespace).run { try ProbeNetlink().deleteLink(link) }
                    lines.append(removed ? "removed veth \(link)\(record.namespace.map { " (netns \($0))" } ?? "")" : "veth \(link) is already gone")
                } catch {
                    ok = false
                    lines.append("cannot remove veth \(link): \(error)")
                }
            }
            if ok {
                unlink(file)
                lines.append("removed \(file)")
            }
            failed = failed || !ok
        }
        do {
            let orphans = try HostSide(namespace: namespace).run { ProbeNetlink.orphanLinks() }
            for link in orphans {
                do {
                    _ = try HostSide(namespace: namespace).run { try ProbeNetlink().deleteLink(link) }
                    lines.append("removed orphan veth \(link)")
                } catch {
                    failed = true
                    lines.append("cannot remove veth \(link): \(error)")
                }
            }
        } catch {
            failed = true
            lines.append("cannot list links: \(error)")
        }
        if lines.isEmpty { lines.append("nothing to clean up") }
        return (lines, failed)
    }
}

extension ProbeNetlink {
    /// `vnap<pid>-<n>` links of this namespace whose process no longer runs.
    static func orphanLinks() -> [String] {
        guard let netlink = try? ProbeNetlink() else { return [] }
        return netlink.linkNames(withPrefix: ProbeNames.linkPrefix).filter { name in
            guard let pid = ProbeNames.pid(ofHostLink: name) else { return false }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
    }
}
