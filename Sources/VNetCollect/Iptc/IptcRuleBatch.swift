import Dispatch
import Foundation
import VNetModel
import VNetParsers

/// One libiptc rule waiting to be printed and built: its entry in the handle's memory (valid while the
/// handle lives, read-only) and the verdict name libiptc gave it.
struct IptcRuleEntry: @unchecked Sendable {
    var chain: Int
    var entry: UnsafeRawPointer
    var verdict: String
}

/// Prints the rules of a table into tokens, builds the model rules and their `[packets:bytes] -A ...`
/// save lines. Reading entries and building rules needs no namespace or libiptc state, so large
/// tables are spread over the cores: rule sets of 100,000 rules spend most of their reading time here.
enum IptcRuleBatch {
    /// Below this many rules one thread is quicker than starting others.
    private static let parallelThreshold = 4096

    /// Rules grouped by chain (one group per name in `chainNames`) and the save lines of all as UTF-8
    /// parts to be joined in order, in `entries` order (chain after chain, as libiptc walks them).
    static func build(_ entries: [IptcRuleEntry], chainNames: [String],
                      family: AddressFamily) -> (rulesByChain: [[FirewallRule]], saveLines: [[UInt8]]) {
        let chainCount = chainNames.count
        let chains = Set(chainNames)
        // Positions count within each chain.
        var positions = [Int](repeating: 0, count: entries.count)
        var chainStarts = [Int](repeating: entries.count, count: chainCount + 1)
        for (i, p) in entries.enumerated() {
            positions[i] = i == 0 || entries[i - 1].chain != p.chain ? 1 : positions[i - 1] + 1
            if positions[i] == 1 { chainStarts[p.chain] = i }
        }
        for chain in stride(from: chainCount - 1, through: 0, by: -1) where chainStarts[chain] > chainStarts[chain + 1] {
            chainStarts[chain] = chainStarts[chain + 1]
        }

        let built = UnsafeMutableBufferPointer<FirewallRule>.allocate(capacity: entries.count)
        defer { built.deallocate() }
        let workers = entries.count >= parallelThreshold ? min(ProcessInfo.processInfo.activeProcessorCount, 8) : 1
        var lines = [[UInt8]](repeating: [], count: workers)
        let shared = Shared(built: built, positions: positions)
        lines.withUnsafeMutableBufferPointer { linesBuffer in
            let linesShared = SharedLines(buffer: linesBuffer)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let range = entries.count * worker / workers..<entries.count * (worker + 1) / workers
                // A pool thread's arena, grown in one step for the rules it builds (about 800 bytes each).
                MallocArena.reserve(bytes: range.count * 800)
                var text: [UInt8] = []
                // Save lines of busy rule sets run to about 100 bytes: one allocation, not dozens of regrowths.
                text.reserveCapacity(range.count * 128)
                var tokens: [String] = []
                tokens.reserveCapacity(32)
                for i in range {
                    let p = entries[i]
                    let counters = IptcEntryTokens.tokens(of: p.entry, chain: chainNames[p.chain], verdict: p.verdict,
                                                          family: family, into: &tokens)
                    let rule = IptablesSaveParser.rule(tokens: tokens, family: family, position: shared.positions[i],
                                                       counters: counters, chains: chains)
                    text.append(UInt8(ascii: "["))
                    appendDecimal(counters.packets, to: &text)
                    text.append(UInt8(ascii: ":"))
                    appendDecimal(counters.bytes, to: &text)
                    text.append(UInt8(ascii: "]"))
                    text.append(UInt8(ascii: " "))
                    text.append(contentsOf: rule.text.utf8)
                    text.append(UInt8(ascii: "\n"))
                    (shared.built.baseAddress! + i).initialize(to: rule)
                }
                linesShared.buffer[worker] = text
            }
        }

        // Move (not copy) each chain's rules out of the shared buffer.
        var rulesByChain: [[FirewallRule]] = []
        rulesByChain.reserveCapacity(chainCount)
        for chain in 0..<chainCount {
            let range = chainStarts[chain]..<max(chainStarts[chain], chainStarts[chain + 1])
            rulesByChain.append([FirewallRule](unsafeUninitializedCapacity: range.count) { buffer, initialized in
                if !range.isEmpty { buffer.baseAddress!.moveInitialize(from: built.baseAddress! + range.lowerBound, count: range.count) }
                initialized = range.count
            })
        }
        return (rulesByChain, lines)
    }

    /// A counter in decimal, as iptables-save prints it.
    private static func appendDecimal(_ value: UInt64, to text: inout [UInt8]) {
        let start = text.count
        var rest = value
        repeat {
            text.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest != 0
        text[start...].reverse()
    }

    /// State the workers share: each writes a disjoint slice of `built` and its own line string, and
    /// concurrentPerform returns only when all are done.
    private struct Shared: @unchecked Sendable {
        let built: UnsafeMutableBufferPointer<FirewallRule>
        let positions: [Int]
    }

    private struct SharedLines: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<[UInt8]>
    }
}
