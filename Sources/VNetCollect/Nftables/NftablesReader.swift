import Foundation
import CNetlink
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

    private static let request: UInt16 = 0x1, dump: UInt16 = 0x300
    private static func nftType(_ msg: UInt16) -> UInt16 { 10 << 8 | msg }

    private static func readOnce() throws -> NftablesRead {
        let netfilter = try NetlinkDumpSocket(protocol: NETLINK_NETFILTER)
        var raw = [UInt8]()
        raw.reserveCapacity(1 << 20)
        let anyFamily: [UInt8] = [0, 0, 0, 0]  // nfgenmsg: NFPROTO_UNSPEC, NFNETLINK_V0, res_id 0
        try netfilter.exchange(type: nftType(16), flags: request, body: anyFamily, isDump: false, into: &raw)
        let links = try NetlinkDumpSocket(protocol: NETLINK_ROUTE, receiveBuffer: 64 << 10)
        try links.exchange(type: 18, flags: request | dump, body: [UInt8](repeating: 0, count: 16), isDump: true, into: &raw)
        for msg: UInt16 in [1, 4, 10] {  // GETTABLE, GETCHAIN, GETSET
            try netfilter.exchange(type: nftType(msg), flags: request | dump, body: anyFamily, isDump: true, into: &raw)
        }
        for set in try NfnetlinkDecoder.setNames(in: raw) {  // GETSETELEM needs table and set
            var body: [UInt8] = [set.nfproto, 0, 0, 0]
            appendAttribute(&body, type: 1, string: set.table)
            appendAttribute(&body, type: 2, string: set.name)
            try netfilter.exchange(type: nftType(13), flags: request | dump, body: body, isDump: true, into: &raw)
        }
        for chain in try NfnetlinkDecoder.chainNames(in: raw) {  // GETRULE for one table and chain
            var body: [UInt8] = [chain.nfproto, 0, 0, 0]
            appendAttribute(&body, type: 1, string: chain.table)
            appendAttribute(&body, type: 2, string: chain.name)
            try netfilter.exchange(type: nftType(7), flags: request | dump, body: body, isDump: true, into: &raw)
        }
        try netfilter.exchange(type: nftType(16), flags: request, body: anyFamily, isDump: false, into: &raw)
        let origin = "nfnetlink dumps (NETLINK_NETFILTER, all families; rules per chain) with RTM_GETLINK"
        let tables = try NfnetlinkDecoder.decode(raw, file: origin)
        return NftablesRead(tables: tables, raw: RawSource(bundlePath: bundlePath, origin: origin, contents: Data(raw)))
    }

    /// A NUL-terminated string attribute, padded to 4 bytes.
    private static func appendAttribute(_ body: inout [UInt8], type: UInt16, string: String) {
        let value = Array(string.utf8) + [0]
        let length = 4 + value.count
        body += [UInt8(length & 0xff), UInt8(length >> 8), UInt8(type & 0xff), UInt8(type >> 8)] + value
        body += [UInt8](repeating: 0, count: (4 - length % 4) % 4)
    }
}
