import Foundation

/// A raw input the model was built from, kept so a snapshot carries the evidence itself
/// (libvirt XML files, the nf_tables dump, iptables-save text of the legacy tables).
public struct RawSource: Equatable, Sendable {
    /// Path inside a snapshot bundle's `raw/` folder, `/`-separated and relative
    /// (`libvirt/etc/qemu/networks/default.xml`, `firewall/iptables-legacy.save`).
    public var bundlePath: String
    /// Where it came from on the host (a file path, or a description such as `libiptc ipv4`).
    public var origin: String
    public var contents: Data

    public init(bundlePath: String, origin: String, contents: Data) {
        self.bundlePath = bundlePath
        self.origin = origin
        self.contents = contents
    }
}
