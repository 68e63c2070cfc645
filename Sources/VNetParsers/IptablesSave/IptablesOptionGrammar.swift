import VNetModel

/// Which options exist and how many values each takes: the part of iptables' getopt tables the rule
/// splitter needs to know where one option ends and the next begins. Each known option is resolved
/// once to a key, so the mapping switches on enums instead of comparing strings again.
enum IptablesOptionGrammar {
    /// Options of the rule itself (not of an extension).
    enum MainOption {
        case append, source, destination, inInterface, outInterface, proto, fragment, match, jump, goto, counters
        case ipv4Only, ipv6Only

        var arity: Int {
            switch self {
            case .fragment, .ipv4Only, .ipv6Only: return 0
            case .counters: return 2
            default: return 1
            }
        }

        /// Options `!` may precede.
        var negatable: Bool {
            switch self {
            case .source, .destination, .inInterface, .outInterface, .proto, .fragment: return true
            default: return false
            }
        }
    }

    /// The extensions the mapping knows; `limit` and `set` only to split them right.
    enum Extension {
        case tcp, udp, icmp, icmp6, multiport, conntrack, state, comment, physdev, addrtype, mark, connmark, mac, iprange
        case pkttype, limit, set, ttl, hl, dscp, length, rt
        case reject, masquerade, redirect, snat, dnat, markTarget, connmarkTarget, checksum, log, notrack, ct, tcpmss
    }

    /// A known extension option.
    enum Key {
        case sport, dport, tcpFlags, syn, tcpOption, icmpType
        case sports, dports, ports
        case ctstate, ctproto, ctorigsrc, ctorigdst, ctreplsrc, ctrepldst, ctport, ctstatus, ctexpire, ctdir
        case state, comment
        case physdevIn, physdevOut, physdevIsIn, physdevIsOut, physdevIsBridged
        case srcType, dstType, limitIface
        case mark, macSource, srcRange, dstRange, pktType
        /// `-m ttl` / `-m hl` comparisons, `-m dscp`, `-m length`.
        case hopsEqual, hopsBelow, hopsAbove, dscp, dscpClass, length
        /// `-m rt` (IPv6 routing header): its type, segments left, length, reserved field.
        case rtType, rtSegmentsLeft, rtLength, rtReserved
        /// Options of matches kept whole as unknown (limit, set).
        case opaque
        case rejectWith, toPorts, toSource, toDestination, random, randomFully, persistent
        case setXmark, setMark, andMark, orMark, xorMark, saveMark, restoreMark, markMask, shift
        case checksumFill, logPrefix, logOption, notrack, ctOption, setMss, clampMss
    }

    struct OptionSpec {
        let key: Key
        let arity: Int
    }

    struct ExtensionSpec {
        let kind: Extension
        let options: [String: OptionSpec]
    }

    /// `-x` short options by their letter, long ones by name.
    static func mainOption(_ token: String) -> MainOption? {
        let utf8 = token.utf8
        if utf8.count == 2 {
            switch utf8[utf8.index(after: utf8.startIndex)] {
            case UInt8(ascii: "A"): return .append
            case UInt8(ascii: "s"): return .source
            case UInt8(ascii: "d"): return .destination
            case UInt8(ascii: "i"): return .inInterface
            case UInt8(ascii: "o"): return .outInterface
            case UInt8(ascii: "p"): return .proto
            case UInt8(ascii: "f"): return .fragment
            case UInt8(ascii: "m"): return .match
            case UInt8(ascii: "j"): return .jump
            case UInt8(ascii: "g"): return .goto
            case UInt8(ascii: "c"): return .counters
            case UInt8(ascii: "4"): return .ipv4Only
            case UInt8(ascii: "6"): return .ipv6Only
            default: return nil
            }
        }
        return longMainOptions[token]
    }

    private static let longMainOptions: [String: MainOption] = [
        "--append": .append, "--source": .source, "--src": .source, "--destination": .destination, "--dst": .destination,
        "--in-interface": .inInterface, "--out-interface": .outInterface, "--protocol": .proto, "--fragment": .fragment,
        "--match": .match, "--jump": .jump, "--goto": .goto, "--set-counters": .counters, "--ipv4": .ipv4Only,
        "--ipv6": .ipv6Only,
    ]

    private static func options(_ list: [(String, Key, Int)]) -> [String: OptionSpec] {
        Dictionary(uniqueKeysWithValues: list.map { ($0.0, OptionSpec(key: $0.1, arity: $0.2)) })
    }

    private static let portOptions: [(String, Key, Int)] = [
        ("--sport", .sport, 1), ("--source-port", .sport, 1), ("--dport", .dport, 1), ("--destination-port", .dport, 1),
    ]

    static let matches: [String: ExtensionSpec] = [
        "tcp": ExtensionSpec(kind: .tcp, options: options(portOptions + [("--tcp-flags", .tcpFlags, 2), ("--syn", .syn, 0),
                                                                          ("--tcp-option", .tcpOption, 1)])),
        "udp": ExtensionSpec(kind: .udp, options: options(portOptions)),
        "icmp": ExtensionSpec(kind: .icmp, options: options([("--icmp-type", .icmpType, 1)])),
        "icmp6": ExtensionSpec(kind: .icmp6, options: options([("--icmpv6-type", .icmpType, 1)])),
        "multiport": ExtensionSpec(kind: .multiport, options: options([
            ("--sports", .sports, 1), ("--source-ports", .sports, 1), ("--dports", .dports, 1),
            ("--destination-ports", .dports, 1), ("--ports", .ports, 1),
        ])),
        "conntrack": ExtensionSpec(kind: .conntrack, options: options([
            ("--ctstate", .ctstate, 1), ("--ctproto", .ctproto, 1), ("--ctorigsrc", .ctorigsrc, 1), ("--ctorigdst", .ctorigdst, 1),
            ("--ctreplsrc", .ctreplsrc, 1), ("--ctrepldst", .ctrepldst, 1), ("--ctorigsrcport", .ctport, 1),
            ("--ctorigdstport", .ctport, 1), ("--ctreplsrcport", .ctport, 1), ("--ctrepldstport", .ctport, 1),
            ("--ctstatus", .ctstatus, 1), ("--ctexpire", .ctexpire, 1), ("--ctdir", .ctdir, 1),
        ])),
        "state": ExtensionSpec(kind: .state, options: options([("--state", .state, 1)])),
        "comment": ExtensionSpec(kind: .comment, options: options([("--comment", .comment, 1)])),
        "physdev": ExtensionSpec(kind: .physdev, options: options([
            ("--physdev-in", .physdevIn, 1), ("--physdev-out", .physdevOut, 1), ("--physdev-is-in", .physdevIsIn, 0),
            ("--physdev-is-out", .physdevIsOut, 0), ("--physdev-is-bridged", .physdevIsBridged, 0),
        ])),
        "addrtype": ExtensionSpec(kind: .addrtype, options: options([
            ("--src-type", .srcType, 1), ("--dst-type", .dstType, 1), ("--limit-iface-in", .limitIface, 0),
            ("--limit-iface-out", .limitIface, 0),
        ])),
        "mark": ExtensionSpec(kind: .mark, options: options([("--mark", .mark, 1)])),
        "connmark": ExtensionSpec(kind: .connmark, options: options([("--mark", .mark, 1)])),
        "mac": ExtensionSpec(kind: .mac, options: options([("--mac-source", .macSource, 1)])),
        "iprange": ExtensionSpec(kind: .iprange, options: options([("--src-range", .srcRange, 1), ("--dst-range", .dstRange, 1)])),
        "pkttype": ExtensionSpec(kind: .pkttype, options: options([("--pkt-type", .pktType, 1)])),
        "rt": ExtensionSpec(kind: .rt, options: options([("--rt-type", .rtType, 1), ("--rt-segsleft", .rtSegmentsLeft, 1),
                                                         ("--rt-len", .rtLength, 1), ("--rt-0-res", .rtReserved, 0)])),
        "ttl": ExtensionSpec(kind: .ttl, options: options([("--ttl-eq", .hopsEqual, 1), ("--ttl-lt", .hopsBelow, 1),
                                                           ("--ttl-gt", .hopsAbove, 1)])),
        "hl": ExtensionSpec(kind: .hl, options: options([("--hl-eq", .hopsEqual, 1), ("--hl-lt", .hopsBelow, 1),
                                                         ("--hl-gt", .hopsAbove, 1)])),
        "dscp": ExtensionSpec(kind: .dscp, options: options([("--dscp", .dscp, 1), ("--dscp-class", .dscpClass, 1)])),
        "length": ExtensionSpec(kind: .length, options: options([("--length", .length, 1)])),
        "limit": ExtensionSpec(kind: .limit, options: options([("--limit", .opaque, 1), ("--limit-burst", .opaque, 1)])),
        "set": ExtensionSpec(kind: .set, options: options([
            ("--match-set", .opaque, 2), ("--set", .opaque, 2), ("--return-nomatch", .opaque, 0), ("--update-counters", .opaque, 0),
            ("--update-subcounters", .opaque, 0), ("--packets-eq", .opaque, 1), ("--packets-lt", .opaque, 1),
            ("--packets-gt", .opaque, 1), ("--bytes-eq", .opaque, 1), ("--bytes-lt", .opaque, 1), ("--bytes-gt", .opaque, 1),
        ])),
    ]

    private static let natFlags: [(String, Key, Int)] = [
        ("--random", .random, 0), ("--random-fully", .randomFully, 0), ("--persistent", .persistent, 0),
    ]
    private static let markOptions: [(String, Key, Int)] = [
        ("--set-xmark", .setXmark, 1), ("--set-mark", .setMark, 1), ("--and-mark", .andMark, 1), ("--or-mark", .orMark, 1),
        ("--xor-mark", .xorMark, 1),
    ]

    static let targets: [String: ExtensionSpec] = [
        "REJECT": ExtensionSpec(kind: .reject, options: options([("--reject-with", .rejectWith, 1)])),
        "MASQUERADE": ExtensionSpec(kind: .masquerade, options: options([("--to-ports", .toPorts, 1)] + natFlags)),
        "REDIRECT": ExtensionSpec(kind: .redirect, options: options([("--to-ports", .toPorts, 1)] + natFlags)),
        "SNAT": ExtensionSpec(kind: .snat, options: options([("--to-source", .toSource, 1)] + natFlags)),
        "DNAT": ExtensionSpec(kind: .dnat, options: options([("--to-destination", .toDestination, 1)] + natFlags)),
        "MARK": ExtensionSpec(kind: .markTarget, options: options(markOptions)),
        "CONNMARK": ExtensionSpec(kind: .connmarkTarget, options: options(markOptions + [
            ("--save-mark", .saveMark, 0), ("--restore-mark", .restoreMark, 0), ("--nfmask", .markMask, 1),
            ("--ctmask", .markMask, 1), ("--mask", .markMask, 1), ("--left-shift-mark", .shift, 1), ("--right-shift-mark", .shift, 1),
        ])),
        "CHECKSUM": ExtensionSpec(kind: .checksum, options: options([("--checksum-fill", .checksumFill, 0)])),
        "LOG": ExtensionSpec(kind: .log, options: options([
            ("--log-prefix", .logPrefix, 1), ("--log-level", .logOption, 1), ("--log-tcp-sequence", .logOption, 0),
            ("--log-tcp-options", .logOption, 0), ("--log-ip-options", .logOption, 0), ("--log-uid", .logOption, 0),
            ("--log-macdecode", .logOption, 0),
        ])),
        "NOTRACK": ExtensionSpec(kind: .notrack, options: [:]),
        "CT": ExtensionSpec(kind: .ct, options: options([
            ("--notrack", .notrack, 0), ("--helper", .ctOption, 1), ("--timeout", .ctOption, 1), ("--ctevents", .ctOption, 1),
            ("--expevents", .ctOption, 1), ("--zone", .ctOption, 1), ("--zone-orig", .ctOption, 1), ("--zone-reply", .ctOption, 1),
        ])),
        "TCPMSS": ExtensionSpec(kind: .tcpmss, options: options([("--set-mss", .setMss, 1), ("--clamp-mss-to-pmtu", .clampMss, 0)])),
    ]

    /// The match iptables loads implicitly for `-p NAME` when an option follows without `-m`.
    static func implicitMatch(forProtocol number: UInt8, family: AddressFamily) -> String? {
        switch number {
        case 6: return "tcp"
        case 17: return "udp"
        case 1 where family == .ipv4: return "icmp"
        case 58 where family == .ipv6: return "icmp6"
        default: return nil
        }
    }

    /// Targets that never end a packet's walk nor change its fate: an unknown one of these cannot
    /// affect a verdict.
    static let nonTerminalTargets: Set<String> = [
        "NFLOG", "ULOG", "TRACE", "DSCP", "TOS", "TTL", "HL", "SECMARK", "CONNSECMARK", "CLASSIFY", "AUDIT",
        "IDLETIMER", "LED", "RATEEST", "TEE", "HMARK", "TCPOPTSTRIP", "ECN", "SET",
    ]
}
