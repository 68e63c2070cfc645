import Foundation

/// Names of everything a probe run creates, recognizable by prefix so that leftovers of a killed run can
/// be told from anything else: host-side veth ends `vnap<pid>-<n>` (at most 15 characters), the state
/// file `/run/vnetaudit/probes/<pid>.json`.
public enum ProbeNames {
    public static let linkPrefix = "vnap"
    /// The veth end inside the probe's private namespace (a fresh namespace: the name cannot clash).
    public static let innerLink = "probe0"
    public static let stateDirectory = "/run/vnetaudit/probes"

    /// The host-side veth of the `index`th probe port of process `pid`.
    public static func hostLink(pid: Int32, index: Int) -> String { "\(linkPrefix)\(pid)-\(index)" }

    /// The pid encoded in a host-side veth name; nil for a name that is not a probe port's.
    public static func pid(ofHostLink name: String) -> Int32? {
        guard name.hasPrefix(linkPrefix), let dash = name.lastIndex(of: "-") else { return nil }
        let digits = name[name.index(name.startIndex, offsetBy: linkPrefix.count)..<dash]
        guard !digits.isEmpty, Int(name[name.index(after: dash)...]) != nil else { return nil }
        return Int32(digits)
    }

    public static func stateFile(pid: Int32) -> String { "\(stateDirectory)/\(pid).json" }

    /// The first bytes of every probe's MAC, as the neighbour table prints them.
    static let macPrefix = "02:76:"

    /// A locally administered MAC for the inner end, derived from pid and index (DHCP discovers name it).
    public static func innerMAC(pid: Int32, index: Int) -> [UInt8] {
        let p = UInt32(bitPattern: pid)
        return [0x02, 0x76, UInt8(truncatingIfNeeded: p >> 16), UInt8(truncatingIfNeeded: p >> 8), UInt8(truncatingIfNeeded: p),
                UInt8(truncatingIfNeeded: index)]
    }
}
