import Foundation
import CNetlink
import VNetNetlink
import VNetModel
import VNetParsers

/// The nf_tables ruleset of the calling thread's network namespace, with the raw dump it came from.
public struct NftablesRead: Sendable {
    public var tables: [FirewallTable]
    public var raw: RawSource

    public init(tables: [FirewallTable], raw: RawSource) {
        self.tables = tables
        self.raw = raw
    }
}

/// The fast live path over a NETLINK_NETFILTER socket: one dump each of tables, chains and sets for
/// all families at once, the elements of each set, then the rules chain by chain (as
/// iptables-nft-save does: the kernel resumes a whole-ruleset rule dump by re-walking every rule
/// already sent, so one dump of 100,000 rules costs seconds of kernel time), plus a link dump for
/// interface indexes. The bytes are decoded by `NfnetlinkDecoder`, the same code that replays a
/// snapshot's `firewall/nf_tables.netlink`.
public enum NftablesReader {
    public static let bundlePath = "firewall/nf_tables.netlink"

    public static func read() throws -> NftablesRead {
        do {
            return try readOnce()
        } catch let e as NftDecodingError where e.kind == .dumpFailed {
            return try readOnce()  // the ruleset changed mid-dump: one retry, then report
        }
    }

    private static let request = NetlinkConstants.requestFlag
    private static let dump = NetlinkConstants.requestFlag | NetlinkConstants.dumpFlag
    private static let nft = NetlinkConstants.nftablesMessage
    /// `struct ifinfomsg`, all zero: every link.
    private static let anyLink = [UInt8](repeating: 0, count: 16)

    private static func readOnce() throws -> NftablesRead {
        let netfilter = try NetlinkSocket(protocol: NETLINK_NETFILTER, messageBuffer: 1 << 20)
        var raw = [UInt8]()
        raw.reserveCapacity(1 << 20)
        let anyFamily = nfgenmsg(family: UInt8(AF_UNSPEC))  // NFPROTO_UNSPEC
        try netfilter.exchange(type: nft(NFT_MSG_GETGEN), flags: request, body: anyFamily, into: &raw)
        let links = try NetlinkSocket(protocol: NETLINK_ROUTE, messageBuffer: 64 << 10)
        try links.exchange(type: UInt16(RTM_GETLINK), flags: dump, body: anyLink, into: &raw)
        for message in [NFT_MSG_GETTABLE, NFT_MSG_GETCHAIN, NFT_MSG_GETSET] {
            try netfilter.exchange(type: nft(message), flags: dump, body: anyFamily, into: &raw)
        }
        for set in try NfnetlinkDecoder.setNames(in: raw) {  // GETSETELEM needs table and set
            var body = nfgenmsg(family: set.nfproto)
            appendAttribute(&body, type: NFTA_SET_ELEM_LIST_TABLE.rawValue, string: set.table)
            appendAttribute(&body, type: NFTA_SET_ELEM_LIST_SET.rawValue, string: set.name)
            try netfilter.exchange(type: nft(NFT_MSG_GETSETELEM), flags: dump, body: body, into: &raw)
        }
        for chain in try NfnetlinkDecoder.chainNames(in: raw) {  // GETRULE for one table and chain
            var body = nfgenmsg(family: chain.nfproto)
            appendAttribute(&body, type: NFTA_RULE_TABLE.rawValue, string: chain.table)
            appendAttribute(&body, type: NFTA_RULE_CHAIN.rawValue, string: chain.name)
            try netfilter.exchange(type: nft(NFT_MSG_GETRULE), flags: dump, body: body, into: &raw)
        }
        try netfilter.exchange(type: nft(NFT_MSG_GETGEN), flags: request, body: anyFamily, into: &raw)
        let origin = "nfnetlink dumps (NETLINK_NETFILTER, all families; rules per chain) with RTM_GETLINK"
        let tables = try NfnetlinkDecoder.decode(raw, file: origin)
        return NftablesRead(tables: tables, raw: RawSource(bundlePath: bundlePath, origin: origin, contents: Data(raw)))
    }

    /// `struct nfgenmsg`: `family` (NFPROTO_*), `NFNETLINK_V0`, resource id 0.
    private static func nfgenmsg(family: UInt8) -> [UInt8] { [family, UInt8(NFNETLINK_V0), 0, 0] }

    /// A NUL-terminated string attribute, padded to 4 bytes.
    private static func appendAttribute(_ body: inout [UInt8], type: UInt32, string: String) {
        let value = Array(string.utf8) + [0]
        let length = 4 + value.count
        body += [UInt8(length & 0xff), UInt8(length >> 8), UInt8(type & 0xff), UInt8(type >> 8)] + value
        body += [UInt8](repeating: 0, count: (4 - length % 4) % 4)
    }
}
