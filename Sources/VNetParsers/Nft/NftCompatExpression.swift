import VNetModel

/// iptables-nft's compat expressions (`match`/`target` carrying an x_tables extension blob) decoded
/// through the shared x_tables decoder and iptables option mapping, so an iptables-nft rule reads
/// the same as the legacy rule it mirrors.
enum NftCompatExpression {
    /// Busy hosts repeat the same few blobs (`-m conntrack --ctstate NEW` on thousands of rules):
    /// one decoder run decodes each distinct blob once.
    final class Cache {
        struct Key: Hashable {
            let kind: String, name: String, revision: UInt32, info: [UInt8], family: TableFamily, transport: UInt64?
        }
        private var entries: [Key: (elements: [RuleElement], comment: String?)] = [:]

        func decode(kind: String, name: String, revision: UInt32, info: [UInt8], family: TableFamily,
                    transport: UInt64?) -> (elements: [RuleElement], comment: String?) {
            let key = Key(kind: kind, name: name, revision: revision, info: info, family: family, transport: transport)
            if let hit = entries[key] { return hit }
            let result = NftCompatExpression.decode(kind: kind, name: name, revision: revision, info: info,
                                                    family: family, transport: transport)
            entries[key] = result
            return result
        }
    }

    /// Elements (and a `-m comment` text) for one compat expression. `transport` is the protocol a
    /// preceding `meta l4proto` match set: extensions such as multiport need it, as with `-p`.
    static func decode(kind: String, name: String, revision: UInt32, info: [UInt8], family: TableFamily,
                       transport: UInt64?) -> (elements: [RuleElement], comment: String?) {
        var unknown: RuleElement {
            .unknown(UnknownElement(kind: kind, name: name, text: "rev \(revision) info 0x" + NetlinkBytes.hex(info),
                                    mayAffectVerdict: true))
        }
        guard let addressFamily: AddressFamily = family == .ip ? .ipv4 : family == .ip6 ? .ipv6 : nil,
              let rev = UInt8(exactly: revision) else { return ([unknown], nil) }
        let tokens = kind == "match"
            ? XtablesExtensionDecoder.matchTokens(name: name, revision: rev, data: info, family: addressFamily)
            : XtablesExtensionDecoder.targetTokens(name: name, revision: rev, data: info, family: addressFamily)
        guard let tokens else { return ([unknown], nil) }
        let proto = transport.flatMap { UInt8(exactly: $0) }.map { ["-p", String($0)] } ?? []
        let rule = IptablesSaveParser.rule(tokens: ["-A", "CHAIN"] + proto + tokens, family: addressFamily,
                                           position: 1, counters: nil)
        var elements = rule.elements
        // The protocol is already a match of the nf_tables rule; only the extension's elements are new.
        if !proto.isEmpty, case .match(let m)? = elements.first, m.field == .l4proto { elements.removeFirst() }
        return (elements, rule.comment)
    }
}
