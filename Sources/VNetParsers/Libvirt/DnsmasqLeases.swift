import Foundation

/// Counts the leases of a network's dnsmasq from the files libvirt keeps.
enum DnsmasqLeases {
    /// `NAME.leases` in dnsmasq's own format: one lease per line (`EXPIRY MAC IP HOST CLIENTID`); the
    /// `duid ...` line is the server's DHCPv6 identity, not a lease.
    static func countLeaseFile(_ data: Data) -> Int {
        String(decoding: data, as: UTF8.self).split(separator: "\n").filter { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            return !t.isEmpty && !t.hasPrefix("duid ")
        }.count
    }

    /// `BRIDGE.status`, written by libvirt's leases helper: a JSON array with one object per lease.
    /// An empty file means no leases; nil when the contents are not such an array.
    static func countStatusFile(_ data: Data) -> Int? {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x09 || $0 == 0x0d }) { return 0 }
        guard let array = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else { return nil }
        return array.count
    }
}
