import Foundation

/// Whether a link is a Wi-Fi device. Netlink has no flag for it; sysfs does, but /sys/class/net
/// shows the namespace sysfs was mounted in, which is not ours after setns(2). So sysfs is trusted
/// only when its `ifindex` for the name matches the one netlink gave.
enum WirelessCheck {
    static func isWireless(name: String, index: Int, sysfsRoot: String = "/sys/class/net") -> Bool {
        guard !name.contains("/"), name != "." , name != ".." else { return false }
        let directory = "\(sysfsRoot)/\(name)"
        guard let text = try? String(contentsOfFile: "\(directory)/ifindex", encoding: .utf8),
              Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) == index else { return false }
        let files = FileManager.default
        return files.fileExists(atPath: "\(directory)/wireless") || files.fileExists(atPath: "\(directory)/phy80211")
    }
}
