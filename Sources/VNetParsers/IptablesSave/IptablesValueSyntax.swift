import VNetModel

/// Option values as iptables writes them: ports and port ranges, numbers with a `0x` prefix,
/// addresses with prefix lengths or dotted masks, MAC addresses, NAT ranges.
enum IptablesValueSyntax {
    /// A decimal port 0-65535 (iptables-save never prints service names).
    static func port(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt16(text)
    }

    /// `n`, `a:b`, `:b` (from 0) or `a:` (to 65535) as a match value; nil when malformed or a > b.
    static func portMatch(_ text: some StringProtocol) -> MatchValue? {
        var low = 0, high = 0, lowDigits = 0, highDigits = 0, colon = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ":") {
                guard !colon else { return nil }
                colon = true
            } else if byte >= 0x30 && byte <= 0x39 {
                if colon { high = high * 10 + Int(byte - 0x30); highDigits += 1 } else { low = low * 10 + Int(byte - 0x30); lowDigits += 1 }
                guard lowDigits <= 5, highDigits <= 5 else { return nil }
            } else {
                return nil
            }
        }
        guard colon else { return lowDigits > 0 && low <= 65535 ? .integer(UInt64(low)) : nil }
        if highDigits == 0 { high = 65535 }
        guard lowDigits + highDigits > 0, low <= high, high <= 65535 else { return nil }
        return low == high ? .integer(UInt64(low)) : .range(low: UInt64(low), high: UInt64(high))
    }

    /// Calls `body` with each comma-separated part of `text` (empty parts included).
    static func forEachCommaItem(_ text: String, _ body: (Substring) -> Bool) -> Bool {
        var start = text.startIndex
        let utf8 = text.utf8
        var i = utf8.startIndex
        while i < utf8.endIndex {
            if utf8[i] == UInt8(ascii: ",") {
                guard body(text[start..<i]) else { return false }
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        return body(text[start...])
    }

    /// `a` or `a-b` (NAT `--to-ports`).
    static func portRange(_ text: Substring) -> PortRange? {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let low = port(parts[0]) else { return nil }
        guard parts.count == 2 else { return PortRange(low: Int(low), high: Int(low)) }
        guard let high = port(parts[1]), low <= high else { return nil }
        return PortRange(low: Int(low), high: Int(high))
    }

    /// Unsigned number in decimal or `0x` hex, as strtoul with base 0 reads marks.
    static func number(_ text: Substring, max: UInt64 = UInt64(UInt32.max)) -> UInt64? {
        let value: UInt64?
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            value = UInt64(text.dropFirst(2), radix: 16)
        } else {
            value = text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) ? UInt64(text) : nil
        }
        guard let value, value <= max else { return nil }
        return value
    }

    /// `value[/mask]`; mask nil when absent.
    static func maskedNumber(_ text: String) -> (value: UInt64, mask: UInt64?)? {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let value = number(parts[0]) else { return nil }
        guard parts.count == 2 else { return (value, nil) }
        guard let mask = number(parts[1]) else { return nil }
        return (value, mask)
    }

    /// An address of the family: dotted quads parsed byte by byte (rules are full of them), IPv6
    /// through IPAddress.
    static func address(_ text: Substring, family: AddressFamily) -> IPAddress? {
        guard family == .ipv4 else {
            guard let address = IPAddress(text), address.family == .ipv6 else { return nil }
            return address
        }
        var text = text
        return text.withUTF8 { ipv4($0) }.map { IPAddress(ipv4: $0) }
    }

    /// A strict dotted quad (four decimal parts 0-255) from UTF-8 bytes.
    static func ipv4(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var value: UInt32 = 0, octet: UInt32 = 0, digits = 0, dots = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                octet = 0; digits = 0; dots += 1
            } else if byte >= 0x30 && byte <= 0x39, digits < 3 {
                octet = octet * 10 + UInt32(byte - 0x30)
                digits += 1
                guard octet <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | octet
    }

    enum AddressSpec {
        case prefix(IPPrefix)
        /// A dotted mask with holes: valid for iptables, not a prefix.
        case maskedAddress(IPAddress, mask: IPAddress)
    }

    /// `addr`, `addr/len` or `addr/mask` of the given family; nil when malformed. IPv4 `a.b.c.d/n`,
    /// by far the most common, is read straight from the bytes.
    static func addressSpec(_ text: Substring, family: AddressFamily) -> AddressSpec? {
        if family == .ipv4 {
            var text = text
            let fast: AddressSpec?? = text.withUTF8 { bytes in
                guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else {
                    return ipv4(bytes).map { .prefix(IPPrefix(IPAddress(ipv4: $0), length: 32)) }
                }
                guard let address = ipv4(UnsafeBufferPointer(rebasing: bytes[..<slash])) else { return .some(nil) }
                let suffix = bytes[(slash + 1)...]
                guard !suffix.isEmpty, suffix.count <= 2, suffix.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
                let length = suffix.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                return length <= 32 ? .prefix(IPPrefix(IPAddress(ipv4: address), length: length)) : .some(nil)
            }
            if let fast { return fast }
        }
        guard let slash = text.utf8.firstIndex(of: UInt8(ascii: "/")) else {
            return address(text, family: family).map { .prefix(IPPrefix($0, length: $0.bitWidth)) }
        }
        guard let address = address(text[..<slash], family: family) else { return nil }
        let suffix = text[text.index(after: slash)...]
        if !suffix.isEmpty, suffix.utf8.count <= 3, suffix.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard let length = Int(suffix), length <= address.bitWidth else { return nil }
            return .prefix(IPPrefix(address, length: length))
        }
        guard let mask = self.address(suffix, family: family) else { return nil }
        if let length = XtablesAddressText.prefixLength(ofMask: mask) { return .prefix(IPPrefix(address, length: length)) }
        return .maskedAddress(address, mask: mask)
    }

    /// Six colon-separated hex octets, normalised to lowercase two-digit form.
    static func mac(_ text: String) -> String? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var octets: [String] = []
        for part in parts {
            guard (1...2).contains(part.utf8.count), let byte = UInt8(part, radix: 16) else { return nil }
            octets.append((byte < 16 ? "0" : "") + String(byte, radix: 16))
        }
        return octets.joined(separator: ":")
    }

    /// `a-b` address range of the family (iprange).
    static func addressRange(_ text: Substring, family: AddressFamily) -> (IPAddress, IPAddress)? {
        guard let dash = text.utf8.firstIndex(of: UInt8(ascii: "-")) else {
            return address(text, family: family).map { ($0, $0) }
        }
        guard let low = address(text[..<dash], family: family),
              let high = address(text[text.index(after: dash)...], family: family) else { return nil }
        return (low, high)
    }

    /// NAT `--to-source`/`--to-destination`: `[addr[-addr]][:port[-port][/base]]`, IPv6 in brackets
    /// when ports follow (libxt_NAT parse_to).
    static func natRange(_ text: String, family: AddressFamily) -> (addresses: AddressRange?, ports: PortRange?)? {
        // Searched byte-wise: a DNAT per Kubernetes endpoint makes this a per-rule cost.
        let utf8 = text.utf8
        let colon = UInt8(ascii: ":")
        var addressPart: Substring
        var portPart: Substring?
        if utf8.first == UInt8(ascii: "[") {
            guard family == .ipv6, let close = utf8.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            addressPart = text[utf8.index(after: utf8.startIndex)..<close]
            let rest = text[utf8.index(after: close)...]
            if !rest.isEmpty {
                guard rest.utf8.first == colon else { return nil }
                portPart = rest.dropFirst()
            }
        } else {
            let colons = utf8.reduce(0) { $0 + ($1 == colon ? 1 : 0) }
            // One colon separates ports; more than one is an IPv6 address without ports.
            if colons == 1, let at = utf8.firstIndex(of: colon) {
                addressPart = text[..<at]
                portPart = text[utf8.index(after: at)...]
            } else {
                addressPart = text[...]
            }
        }
        var ports: PortRange?
        if let portPart {
            let withoutBase = portPart.utf8.firstIndex(of: UInt8(ascii: "/")).map { portPart[..<$0] } ?? portPart
            guard let range = portRange(withoutBase) else { return nil }
            ports = range
        }
        var addresses: AddressRange?
        if !addressPart.isEmpty {
            guard let (low, high) = addressRange(addressPart, family: family) else { return nil }
            addresses = AddressRange(low: low, high: high)
        }
        guard addresses != nil || ports != nil else { return nil }
        return (addresses, ports)
    }
}
