import VNetModel

/// Which options exist and how many values each takes: the part of iptables' getopt tables the rule
/// splitter needs to know where one option ends and the next begins.
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

    static func mainOption(_ token: String) -> MainOption? {
        switch token {
        case "-A", "--append": return .append
        case "-s", "--source", "--src": return .source
        case "-d", "--destination", "--dst": return .destination
        case "-i", "--in-interface": return .inInterface
        case "-o", "--out-interface": return .outInterface
        case "-p", "--protocol": return .proto
        case "-f", "--fragment": return .fragment
        case "-m", "--match": return .match
        case "-j", "--jump": return .jump
        case "-g", "--goto": return .goto
        case "-c", "--set-counters": return .counters
        case "-4", "--ipv4": return .ipv4Only
        case "-6", "--ipv6": return .ipv6Only
        default: return nil
        }
    }

    private static let portOptions = ["--sport": 1, "--source-port": 1, "--dport": 1, "--destination-port": 1]

    /// Option arities of the matches we map (and of `set` and `limit`, kept as unknown but split right).
    static let matchOptions: [String: [String: Int]] = [
        "tcp": portOptions.merging(["--tcp-flags": 2, "--syn": 0, "--tcp-option": 1]) { a, _ in a },
        "udp": portOptions,
        "icmp": ["--icmp-type": 1],
        "icmp6": ["--icmpv6-type": 1],
        "multiport": ["--sports": 1, "--source-ports": 1, "--dports": 1, "--destination-ports": 1, "--ports": 1],
        "conntrack": [
            "--ctstate": 1, "--ctproto": 1, "--ctorigsrc": 1, "--ctorigdst": 1, "--ctreplsrc": 1, "--ctrepldst": 1,
            "--ctorigsrcport": 1, "--ctorigdstport": 1, "--ctreplsrcport": 1, "--ctrepldstport": 1, "--ctstatus": 1,
            "--ctexpire": 1, "--ctdir": 1,
        ],
        "state": ["--state": 1],
        "comment": ["--comment": 1],
        "physdev": [
            "--physdev-in": 1, "--physdev-out": 1, "--physdev-is-in": 0, "--physdev-is-out": 0, "--physdev-is-bridged": 0,
        ],
        "addrtype": ["--src-type": 1, "--dst-type": 1, "--limit-iface-in": 0, "--limit-iface-out": 0],
        "mark": ["--mark": 1],
        "connmark": ["--mark": 1],
        "mac": ["--mac-source": 1],
        "iprange": ["--src-range": 1, "--dst-range": 1],
        "pkttype": ["--pkt-type": 1],
        "limit": ["--limit": 1, "--limit-burst": 1],
        "set": [
            "--match-set": 2, "--set": 2, "--return-nomatch": 0, "--update-counters": 0, "--update-subcounters": 0,
            "--packets-eq": 1, "--packets-lt": 1, "--packets-gt": 1, "--bytes-eq": 1, "--bytes-lt": 1, "--bytes-gt": 1,
        ],
    ]

    private static let natFlags = ["--random": 0, "--random-fully": 0, "--persistent": 0]
    private static let markOptions = ["--set-xmark": 1, "--set-mark": 1, "--and-mark": 1, "--or-mark": 1, "--xor-mark": 1]

    /// Option arities of the targets we map.
    static let targetOptions: [String: [String: Int]] = [
        "REJECT": ["--reject-with": 1],
        "MASQUERADE": ["--to-ports": 1].merging(natFlags) { a, _ in a },
        "REDIRECT": ["--to-ports": 1].merging(natFlags) { a, _ in a },
        "SNAT": ["--to-source": 1].merging(natFlags) { a, _ in a },
        "DNAT": ["--to-destination": 1].merging(natFlags) { a, _ in a },
        "MARK": markOptions,
        "CONNMARK": markOptions.merging([
            "--save-mark": 0, "--restore-mark": 0, "--nfmask": 1, "--ctmask": 1, "--mask": 1,
            "--left-shift-mark": 1, "--right-shift-mark": 1,
        ]) { a, _ in a },
        "CHECKSUM": ["--checksum-fill": 0],
        "LOG": [
            "--log-prefix": 1, "--log-level": 1, "--log-tcp-sequence": 0, "--log-tcp-options": 0, "--log-ip-options": 0,
            "--log-uid": 0, "--log-macdecode": 0,
        ],
        "NOTRACK": [:],
        "CT": ["--notrack": 0, "--helper": 1, "--timeout": 1, "--ctevents": 1, "--expevents": 1, "--zone": 1, "--zone-orig": 1, "--zone-reply": 1],
        "TCPMSS": ["--set-mss": 1, "--clamp-mss-to-pmtu": 0],
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
