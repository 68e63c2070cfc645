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
        var tokens: [String] = []
        let understood = data.withUnsafeBytes { appendMatchTokens(name: name, revision: revision, payload: $0, family: family, to: &tokens) }
        return understood ? tokens : nil
    }

    /// Tokens for a target payload, or nil when not understood.
    public static func targetTokens(name: String, revision: UInt8, data: [UInt8], family: AddressFamily) -> [String]? {
        var tokens: [String] = []
        let understood = data.withUnsafeBytes { appendTargetTokens(name: name, revision: revision, payload: $0, family: family, to: &tokens) }
        return understood ? tokens : nil
    }

    /// matchTokens for readers that walk many rules: appends to `tokens` straight from borrowed bytes.
    /// Returns false, leaving `tokens` as it was, when not understood.
    public static func appendMatchTokens(name: String, revision: UInt8, payload bytes: UnsafeRawBufferPointer,
                                         family: AddressFamily, to tokens: inout [String]) -> Bool {
        let p = XtablesPayload(bytes)
        let mark = tokens.count
        let understood: Bool
        switch (name, revision) {
        case ("tcp", 0): understood = XtablesMatchDecoders.tcp(p, into: &tokens)
        case ("udp", 0): understood = XtablesMatchDecoders.udp(p, into: &tokens)
        case ("icmp", 0) where family == .ipv4: understood = XtablesMatchDecoders.icmp(p, family: .ipv4, into: &tokens)
        case ("icmp6", 0) where family == .ipv6: understood = XtablesMatchDecoders.icmp(p, family: .ipv6, into: &tokens)
        case ("multiport", 0): understood = XtablesMatchDecoders.multiport(p, withRanges: false, into: &tokens)
        case ("multiport", 1): understood = XtablesMatchDecoders.multiport(p, withRanges: true, into: &tokens)
        case ("conntrack", 1...3): understood = XtablesConntrackDecoder.tokens(p, revision: revision, family: family, into: &tokens)
        case ("state", 0): understood = XtablesMatchDecoders.state(p, into: &tokens)
        case ("comment", 0): understood = XtablesMatchDecoders.comment(p, into: &tokens)
        case ("physdev", 0): understood = XtablesMatchDecoders.physdev(p, into: &tokens)
        case ("addrtype", 0): understood = XtablesMatchDecoders.addrtypeV0(p, into: &tokens)
        case ("addrtype", 1): understood = XtablesMatchDecoders.addrtypeV1(p, into: &tokens)
        case ("mark", 1), ("connmark", 1): understood = XtablesMatchDecoders.mark(p, name: name, into: &tokens)
        case ("mac", 0): understood = XtablesMatchDecoders.mac(p, into: &tokens)
        case ("iprange", 0) where family == .ipv4: understood = XtablesMatchDecoders.iprangeV0(p, into: &tokens)
        case ("iprange", 1): understood = XtablesMatchDecoders.iprangeV1(p, family: family, into: &tokens)
        case ("limit", 0): understood = XtablesMatchDecoders.limit(p, into: &tokens)
        case ("pkttype", 0): understood = XtablesMatchDecoders.pkttype(p, into: &tokens)
        case ("ttl", 0) where family == .ipv4: understood = XtablesCountMatchDecoders.hops(p, name: "ttl", into: &tokens)
        case ("hl", 0) where family == .ipv6: understood = XtablesCountMatchDecoders.hops(p, name: "hl", into: &tokens)
        case ("rt", 0) where family == .ipv6: understood = XtablesCountMatchDecoders.routingHeader(p, into: &tokens)
        case ("dscp", 0): understood = XtablesCountMatchDecoders.dscp(p, into: &tokens)
        case ("length", 0): understood = XtablesCountMatchDecoders.length(p, into: &tokens)
        case ("quota", 0): understood = XtablesCountMatchDecoders.quota(p, into: &tokens)
        case ("connlimit", 1): understood = XtablesCountMatchDecoders.connlimit(p, family: family, into: &tokens)
        case ("hashlimit", 3): understood = XtablesCountMatchDecoders.hashlimit(p, family: family, into: &tokens)
        default: understood = false
        }
        if !understood { tokens.removeSubrange(mark...) }
        return understood
    }

    /// targetTokens for readers that walk many rules; same contract as appendMatchTokens.
    public static func appendTargetTokens(name: String, revision: UInt8, payload bytes: UnsafeRawBufferPointer,
                                          family: AddressFamily, to tokens: inout [String]) -> Bool {
        let p = XtablesPayload(bytes)
        let mark = tokens.count
        let understood: Bool
        switch (name, revision) {
        case ("REJECT", 0): understood = XtablesTargetDecoders.reject(p, family: family, into: &tokens)
        case ("MASQUERADE", 0), ("REDIRECT", 0), ("SNAT", 0...2), ("DNAT", 0...2):
            understood = XtablesNATDecoder.tokens(p, target: name, revision: revision, family: family, into: &tokens)
        case ("MARK", 2): understood = XtablesTargetDecoders.mark(p, into: &tokens)
        case ("CONNMARK", 1), ("CONNMARK", 2): understood = XtablesTargetDecoders.connmark(p, revision: revision, into: &tokens)
        case ("CHECKSUM", 0): understood = XtablesTargetDecoders.checksum(p, into: &tokens)
        case ("LOG", 0): understood = XtablesTargetDecoders.log(p, into: &tokens)
        case ("NOTRACK", 0):
            tokens += ["-j", "NOTRACK"]
            understood = true
        case ("CT", 0...2): understood = XtablesTargetDecoders.ct(p, revision: revision, into: &tokens)
        case ("TCPMSS", 0): understood = XtablesTargetDecoders.tcpmss(p, into: &tokens)
        default: understood = false
        }
        if !understood { tokens.removeSubrange(mark...) }
        return understood
    }

    /// Tokens that keep a payload nobody decoded: the rule parser turns them into an `.unknown`
    /// element whose text carries the revision and the bytes as hex.
    public static func undecodedMatchTokens(name: String, revision: UInt8, data: some Collection<UInt8>) -> [String] {
        ["-m", name] + undecodedOptions(revision: revision, data: data)
    }

    public static func undecodedTargetTokens(name: String, revision: UInt8, data: some Collection<UInt8>) -> [String] {
        ["-j", name] + undecodedOptions(revision: revision, data: data)
    }

    /// The option that marks a section as undecoded binary (`--vnetaudit-undecoded REV:HEX`).
    public static let undecodedOption = "--vnetaudit-undecoded"

    private static func undecodedOptions(revision: UInt8, data: some Collection<UInt8>) -> [String] {
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
