import VNetModel

/// Binary x_tables extension payloads (the bytes after an `xt_entry_match` / `xt_entry_target` header)
/// turned into the option tokens `iptables-save` prints for them, starting with `-m NAME` / `-j NAME`
/// (the printed name can differ from the kernel name: conntrack with the state alias prints `-m state`).
/// Pure Swift with explicit offsets (checked against the C headers in VNetCollectTests); short or odd
/// bytes give nil, never a trap. Shared by the libiptc reader and the nf_tables decoder, which meets
/// the same payloads in iptables-nft's compat expressions.
public enum XtablesExtensionDecoder {
    /// Tokens for a match payload, or nil when this name/revision/layout is not understood.
    public static func matchTokens(name: String, revision: UInt8, data: [UInt8], family: AddressFamily) -> [String]? {
        let payload = XtablesPayload(data)
        switch (name, revision) {
        case ("tcp", 0): return XtablesMatchDecoders.tcp(payload)
        case ("udp", 0): return XtablesMatchDecoders.udp(payload)
        case ("icmp", 0) where family == .ipv4: return XtablesMatchDecoders.icmp(payload, family: .ipv4)
        case ("icmp6", 0) where family == .ipv6: return XtablesMatchDecoders.icmp(payload, family: .ipv6)
        case ("multiport", 0): return XtablesMatchDecoders.multiport(payload, withRanges: false)
        case ("multiport", 1): return XtablesMatchDecoders.multiport(payload, withRanges: true)
        case ("conntrack", 1...3): return XtablesConntrackDecoder.tokens(payload, revision: revision, family: family)
        case ("state", 0): return XtablesMatchDecoders.state(payload)
        case ("comment", 0): return XtablesMatchDecoders.comment(payload)
        case ("physdev", 0): return XtablesMatchDecoders.physdev(payload)
        case ("addrtype", 0): return XtablesMatchDecoders.addrtypeV0(payload)
        case ("addrtype", 1): return XtablesMatchDecoders.addrtypeV1(payload)
        case ("mark", 1), ("connmark", 1): return XtablesMatchDecoders.mark(payload, name: name)
        case ("mac", 0): return XtablesMatchDecoders.mac(payload)
        case ("iprange", 0) where family == .ipv4: return XtablesMatchDecoders.iprangeV0(payload)
        case ("iprange", 1): return XtablesMatchDecoders.iprangeV1(payload, family: family)
        case ("limit", 0): return XtablesMatchDecoders.limit(payload)
        case ("pkttype", 0): return XtablesMatchDecoders.pkttype(payload)
        default: return nil
        }
    }

    /// Tokens for a target payload, or nil when not understood.
    public static func targetTokens(name: String, revision: UInt8, data: [UInt8], family: AddressFamily) -> [String]? {
        let payload = XtablesPayload(data)
        switch (name, revision) {
        case ("REJECT", 0): return XtablesTargetDecoders.reject(payload, family: family)
        case ("MASQUERADE", 0), ("REDIRECT", 0), ("SNAT", 0...2), ("DNAT", 0...2):
            return XtablesNATDecoder.tokens(payload, target: name, revision: revision, family: family)
        case ("MARK", 2): return XtablesTargetDecoders.mark(payload)
        case ("CONNMARK", 1), ("CONNMARK", 2): return XtablesTargetDecoders.connmark(payload, revision: revision)
        case ("CHECKSUM", 0): return XtablesTargetDecoders.checksum(payload)
        case ("LOG", 0): return XtablesTargetDecoders.log(payload)
        case ("NOTRACK", 0): return ["-j", "NOTRACK"]
        case ("CT", 0...2): return XtablesTargetDecoders.ct(payload, revision: revision)
        case ("TCPMSS", 0): return XtablesTargetDecoders.tcpmss(payload)
        default: return nil
        }
    }

    /// Tokens that keep a payload nobody decoded: the rule parser turns them into an `.unknown`
    /// element whose text carries the revision and the bytes as hex.
    public static func undecodedMatchTokens(name: String, revision: UInt8, data: [UInt8]) -> [String] {
        ["-m", name] + undecodedOptions(revision: revision, data: data)
    }

    public static func undecodedTargetTokens(name: String, revision: UInt8, data: [UInt8]) -> [String] {
        ["-j", name] + undecodedOptions(revision: revision, data: data)
    }

    /// The option that marks a section as undecoded binary (`--vnetaudit-undecoded REV:HEX`).
    public static let undecodedOption = "--vnetaudit-undecoded"

    private static func undecodedOptions(revision: UInt8, data: [UInt8]) -> [String] {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(data.count * 2)
        for byte in data {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xf)])
        }
        return [undecodedOption, "\(revision):" + String(decoding: hex, as: UTF8.self)]
    }
}
