import Testing
import VNetTestSupport
import VNetModel
@testable import VNetParsers

/// The binary decoder on hand-built payloads (the C-struct layout checks live in VNetCollectTests),
/// and on hostile bytes.
@Suite struct XtablesExtensionDecoderTests {
    static let matches: [(String, UInt8)] = [
        ("tcp", 0), ("udp", 0), ("icmp", 0), ("icmp6", 0), ("multiport", 0), ("multiport", 1), ("conntrack", 1), ("conntrack", 2),
        ("conntrack", 3), ("state", 0), ("comment", 0), ("physdev", 0), ("addrtype", 0), ("addrtype", 1), ("mark", 1),
        ("connmark", 1), ("mac", 0), ("iprange", 0), ("iprange", 1), ("limit", 0), ("pkttype", 0), ("ttl", 0), ("hl", 0),
        ("dscp", 0), ("length", 0), ("quota", 0), ("connlimit", 1), ("hashlimit", 3),
    ]
    static let targets: [(String, UInt8)] = [
        ("REJECT", 0), ("MASQUERADE", 0), ("REDIRECT", 0), ("SNAT", 0), ("SNAT", 1), ("DNAT", 0), ("DNAT", 1), ("DNAT", 2),
        ("MARK", 2), ("CONNMARK", 1), ("CONNMARK", 2), ("CHECKSUM", 0), ("LOG", 0), ("NOTRACK", 0), ("CT", 0), ("CT", 1),
        ("CT", 2), ("TCPMSS", 0),
    ]

    @Test func shortPayloadsAreNotUnderstoodAndNeverTrap() {
        for (name, revision) in Self.matches {
            for family in AddressFamily.allCases {
                #expect(XtablesExtensionDecoder.matchTokens(name: name, revision: revision, data: [], family: family) == nil
                        || name == "comment")
                for length in 0..<200 {
                    _ = XtablesExtensionDecoder.matchTokens(name: name, revision: revision, data: [UInt8](repeating: 0xff, count: length), family: family)
                }
            }
        }
        for (name, revision) in Self.targets {
            for family in AddressFamily.allCases {
                for length in 0..<200 {
                    _ = XtablesExtensionDecoder.targetTokens(name: name, revision: revision, data: [UInt8](repeating: 0xff, count: length), family: family)
                }
            }
        }
    }

    @Test func randomPayloadsNeverTrap() {
        var generator = SplitMix64(state: 7)
        for _ in 0..<4000 {
            let data = (0..<Int.random(in: 0...180, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let family: AddressFamily = Bool.random(using: &generator) ? .ipv4 : .ipv6
            let (name, revision) = Self.matches.randomElement(using: &generator)!
            if let tokens = XtablesExtensionDecoder.matchTokens(name: name, revision: revision, data: data, family: family) {
                // Whatever the decoder prints, the shared mapping must take without trapping.
                _ = IptablesSaveParser.rule(tokens: ["-A", "X"] + tokens, family: family, position: 1, counters: nil)
            }
            let (target, targetRevision) = Self.targets.randomElement(using: &generator)!
            if let tokens = XtablesExtensionDecoder.targetTokens(name: target, revision: targetRevision, data: data, family: family) {
                _ = IptablesSaveParser.rule(tokens: ["-A", "X"] + tokens, family: family, position: 1, counters: nil)
            }
        }
    }

    @Test func unknownNamesAndRevisionsAreNotUnderstood() {
        #expect(XtablesExtensionDecoder.matchTokens(name: "statistic", revision: 0, data: [UInt8](repeating: 0, count: 64), family: .ipv4) == nil)
        #expect(XtablesExtensionDecoder.matchTokens(name: "tcp", revision: 1, data: [UInt8](repeating: 0, count: 16), family: .ipv4) == nil)
        #expect(XtablesExtensionDecoder.matchTokens(name: "icmp", revision: 0, data: [8, 0, 255, 0], family: .ipv6) == nil)
        #expect(XtablesExtensionDecoder.targetTokens(name: "NFLOG", revision: 0, data: [], family: .ipv4) == nil)
        #expect(XtablesExtensionDecoder.undecodedMatchTokens(name: "statistic", revision: 0, data: [0x00, 0xab])
                == ["-m", "statistic", "--vnetaudit-undecoded", "0:00ab"])
    }

    @Test func icmpAndLimitPrintLikeIptables() {
        #expect(XtablesExtensionDecoder.matchTokens(name: "icmp", revision: 0, data: [0xff, 0, 0xff, 0], family: .ipv4)
                == ["-m", "icmp", "--icmp-type", "any"])
        #expect(XtablesExtensionDecoder.matchTokens(name: "icmp6", revision: 0, data: [1, 4, 4, 1], family: .ipv6)
                == ["-m", "icmp6", "!", "--icmpv6-type", "1/4"])
        #expect(XtablesMatchDecoders.rateText(10000 * 60 * 60 * 24 / 2) == "2/day")
        #expect(XtablesMatchDecoders.rateText(10000 / 83) == "83/sec")
        #expect(XtablesMatchDecoders.rateText(0) == "inf")
    }

    @Test func addressesPrintLikeInetNtop() {
        #expect(XtablesAddressText.address(IPAddress("::ffff:10.0.0.1")!) == "::ffff:10.0.0.1")
        #expect(XtablesAddressText.address(IPAddress("::1.2.3.4")!) == "::1.2.3.4")
        #expect(XtablesAddressText.address(IPAddress("::2")!) == "::2")
        #expect(XtablesAddressText.address(IPAddress("2001:0:0:1:0:0:1:1")!) == "2001::1:0:0:1:1")
        #expect(XtablesAddressText.headerAddress(IPAddress("10.0.0.0")!, mask: IPAddress("255.0.255.0")!) == "10.0.0.0/255.0.255.0")
        #expect(XtablesAddressText.headerAddress(IPAddress("1::")!, mask: IPAddress("ffff:0:ffff::")!) == "1::/ffff:0:ffff::")
        #expect(XtablesAddressText.maskSuffix(IPAddress("255.255.255.255")!) == "")
    }
}
