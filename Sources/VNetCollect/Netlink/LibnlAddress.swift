import CNetlink
import VNetModel

/// Reading libnl's `struct nl_addr` (an address with a prefix length) into model values.
enum LibnlAddress {
    /// The raw bytes of an address; empty for a zero-length address (libnl's "any").
    static func bytes(_ address: OpaquePointer) -> [UInt8] {
        let length = Int(nl_addr_get_len(address))
        guard length > 0, let start = nl_addr_get_binary_addr(address) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: start, count: length))
    }

    /// The address, or nil when it is not 4 or 16 bytes.
    static func ip(_ address: OpaquePointer?) -> IPAddress? {
        guard let address else { return nil }
        return IPAddress(bytes: bytes(address))
    }

    /// The address with its prefix length; a zero-length address of `family` is the default prefix.
    static func prefix(_ address: OpaquePointer?, family: AddressFamily) -> IPPrefix? {
        guard let address else { return nil }
        let raw = bytes(address)
        let length = Int(nl_addr_get_prefixlen(address))
        if raw.isEmpty {
            return IPPrefix(family == .ipv4 ? IPAddress(ipv4: 0) : IPAddress(ipv6High: 0, low: 0), length: length)
        }
        guard let ip = IPAddress(bytes: raw), ip.family == family else { return nil }
        return IPPrefix(ip, length: length)
    }

    static func family(_ value: Int32) -> AddressFamily? {
        switch value {
        case AF_INET: return .ipv4
        case AF_INET6: return .ipv6
        default: return nil
        }
    }

    /// Colon-separated hex of a hardware address (`52:54:00:12:34:56`).
    static func hardware(_ address: OpaquePointer?) -> String? {
        guard let address else { return nil }
        let raw = bytes(address)
        guard !raw.isEmpty else { return nil }
        return raw.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}
