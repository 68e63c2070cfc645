import Foundation
import Testing
@testable import VNetParsers

/// The nf_tables numbers the netlink decoder names (NftKernel) against the installed kernel header:
/// a constant that drifts from linux/netfilter/nf_tables.h fails here.
private let nfTablesHeader = "/usr/include/linux/netfilter/nf_tables.h"

@Suite(.enabled(if: FileManager.default.fileExists(atPath: nfTablesHeader), "needs the kernel UAPI headers"))
struct NftKernelConstantsTests {
    /// The values of every enumerator in the header's enums: implicit ones count up from the one
    /// before; explicit ones are a number, `1 << n` or an earlier name. Others are left out.
    private static func enumerators() throws -> [String: Int] {
        let text = try String(contentsOfFile: nfTablesHeader, encoding: .utf8)
        var values: [String: Int] = [:]
        var next: Int? = nil
        var inEnum = false
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.split(separator: "/", maxSplits: 1).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.hasPrefix("enum ") && line.hasSuffix("{") { (inEnum, next) = (true, 0); continue }
            guard inEnum else { continue }
            if line.hasPrefix("}") { inEnum = false; continue }
            let entry = line.trimmingCharacters(in: CharacterSet(charactersIn: ", \t"))
            guard let first = entry.first, first == "_" || first.isLetter else { continue }
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let value: Int?
            if parts.count == 2 {
                let expr = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "()"))
                let shift = expr.components(separatedBy: "<<").map { $0.trimmingCharacters(in: .whitespaces) }
                if shift.count == 2, let base = Int(shift[0]), let by = Int(shift[1]) { value = base << by }
                else if expr.hasPrefix("0x") { value = Int(expr.dropFirst(2), radix: 16) }
                else { value = Int(expr) ?? values[expr] }
            } else {
                value = next
            }
            if let value { values[parts[0]] = value }
            next = value.map { $0 + 1 }
        }
        return values
    }

    @Test func namedConstantsEqualTheHeader() throws {
        let h = try Self.enumerators()
        typealias L = NftKernel.Limit
        typealias Q = NftKernel.Quota
        typealias C = NftKernel.Connlimit
        typealias O = NftKernel.Byteorder
        typealias F = NftKernel.Fib
        #expect(h["NFTA_LIMIT_RATE"] == L.rate && h["NFTA_LIMIT_UNIT"] == L.unit && h["NFTA_LIMIT_BURST"] == L.burst)
        #expect(h["NFTA_LIMIT_TYPE"] == L.type && h["NFTA_LIMIT_FLAGS"] == L.flags)
        #expect(h["NFT_LIMIT_PKT_BYTES"] == Int(L.typeBytes) && h["NFT_LIMIT_F_INV"] == Int(L.flagInverted))
        #expect(h["NFTA_QUOTA_BYTES"] == Q.bytes && h["NFTA_QUOTA_FLAGS"] == Q.flags && h["NFT_QUOTA_F_INV"] == Int(Q.flagInverted))
        #expect(h["NFTA_CONNLIMIT_COUNT"] == C.count && h["NFTA_CONNLIMIT_FLAGS"] == C.flags)
        #expect(h["NFT_CONNLIMIT_F_INV"] == Int(C.flagInverted))
        #expect(h["NFTA_BYTEORDER_SREG"] == O.sreg && h["NFTA_BYTEORDER_DREG"] == O.dreg && h["NFTA_BYTEORDER_OP"] == O.op)
        #expect(h["NFTA_BYTEORDER_SIZE"] == O.size)
        #expect(h["NFT_BYTEORDER_HTON"] == Int(O.hostToNetwork))
        #expect(h["NFTA_FIB_DREG"] == F.dreg && h["NFTA_FIB_RESULT"] == F.result && h["NFTA_FIB_FLAGS"] == F.flags)
        #expect(F.results.map { h["NFT_FIB_RESULT_" + ($0.name == "type" ? "ADDRTYPE" : $0.name.uppercased())] } == F.results.map { Int($0.number) })
        #expect(F.keyFlags.map { h["NFTA_FIB_F_" + $0.name.uppercased()] } == F.keyFlags.map { Int($0.bit) })
        #expect(h["NFTA_FIB_F_PRESENT"] == Int(F.flagPresent))
        typealias D = NftKernel.Dynset
        #expect(h["NFTA_DYNSET_SET_NAME"] == D.setName && h["NFTA_DYNSET_SREG_KEY"] == D.keyRegister)
        #expect(h["NFTA_DYNSET_TIMEOUT"] == D.timeout && h["NFTA_DYNSET_EXPR"] == D.expression)
        #expect(h["NFTA_SET_DESC"] == Int(NftKernel.SetDescription.attribute))
        #expect(h["NFTA_SET_DESC_SIZE"] == Int(NftKernel.SetDescription.size))
    }
}
