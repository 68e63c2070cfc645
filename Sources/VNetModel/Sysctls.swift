import Foundation

/// The kernel settings that decide forwarding and filtering of guest traffic, by their dotted names
/// (`net.ipv4.ip_forward`, `net.ipv4.conf.virbr0.rp_filter`, `net.bridge.bridge-nf-call-iptables`).
/// A key that is absent was not present on the host (e.g. the bridge keys without br_netfilter).
public struct Sysctls: Codable, Equatable, Sendable {
    public var values: [String: String]

    public init(values: [String: String] = [:]) {
        self.values = values
    }

    public subscript(key: String) -> String? { values[key] }

    public func int(_ key: String) -> Int? { values[key].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    public var ipv4Forwarding: Bool? { int("net.ipv4.ip_forward").map { $0 != 0 } }
    public var ipv6ForwardingAll: Bool? { int("net.ipv6.conf.all.forwarding").map { $0 != 0 } }
    public func ipv6Forwarding(link: String) -> Bool? { int("net.ipv6.conf.\(link).forwarding").map { $0 != 0 } }

    /// Effective rp_filter of a link: the kernel uses max(all, link).
    public func rpFilter(link: String) -> Int? {
        let all = int("net.ipv4.conf.all.rp_filter")
        let own = int("net.ipv4.conf.\(link).rp_filter")
        switch (all, own) {
        case let (a?, o?): return max(a, o)
        case let (a?, nil): return a
        case let (nil, o?): return o
        default: return nil
        }
    }

    /// nil when br_netfilter is not loaded (the keys do not exist).
    public var bridgeCallsIptables: Bool? { int("net.bridge.bridge-nf-call-iptables").map { $0 != 0 } }
    public var bridgeCallsIp6tables: Bool? { int("net.bridge.bridge-nf-call-ip6tables").map { $0 != 0 } }
    public var bridgeCallsArptables: Bool? { int("net.bridge.bridge-nf-call-arptables").map { $0 != 0 } }
}
