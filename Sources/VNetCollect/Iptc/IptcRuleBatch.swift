import Dispatch
import Foundation
import VNetModel
import VNetParsers

/// One libiptc rule printed into tokens, waiting to become a model rule.
struct IptcPrintedRule: Sendable {
    var chain: Int
    var tokens: [String]
    var counters: Counters
}

/// Builds the model rules of a table from printed tokens, and their `[packets:bytes] -A ...` save
/// lines. Pure Swift work with no namespace or libiptc state, so large tables are spread over the
/// cores: rule sets of 100,000 rules spend most of their reading time here.
enum IptcRuleBatch {
    /// Below this many rules one thread is quicker than starting others.
    private static let parallelThreshold = 4096

    /// Rules grouped by chain (`chainCount` groups, in `printed` order) and the save lines of all.
    static func build(_ printed: [IptcPrintedRule], chainCount: Int, family: AddressFamily,
                      chains: Set<String>) -> (rulesByChain: [[FirewallRule]], saveLines: String) {
        // Positions count within each chain; printed rules come chain after chain.
        var positions = [Int](repeating: 0, count: printed.count)
        var chainStarts = [Int](repeating: printed.count, count: chainCount + 1)
        for (i, p) in printed.enumerated() {
            positions[i] = i == 0 || printed[i - 1].chain != p.chain ? 1 : positions[i - 1] + 1
            if positions[i] == 1 { chainStarts[p.chain] = i }
        }
        for chain in stride(from: chainCount - 1, through: 0, by: -1) where chainStarts[chain] > chainStarts[chain + 1] {
            chainStarts[chain] = chainStarts[chain + 1]
        }

        let built = UnsafeMutableBufferPointer<FirewallRule>.allocate(capacity: printed.count)
        defer { built.deallocate() }
        let workers = printed.count >= parallelThreshold ? min(ProcessInfo.processInfo.activeProcessorCount, 8) : 1
        var lines = [String](repeating: "", count: workers)
        let shared = Shared(built: built, positions: positions)
        lines.withUnsafeMutableBufferPointer { linesBuffer in
            let linesShared = SharedLines(buffer: linesBuffer)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var text = ""
                for i in printed.count * worker / workers..<printed.count * (worker + 1) / workers {
                    let p = printed[i]
                    let rule = IptablesSaveParser.rule(tokens: p.tokens, family: family, position: shared.positions[i],
                                                       counters: p.counters, chains: chains)
                    text += "["
                    text += String(p.counters.packets)
                    text += ":"
                    text += String(p.counters.bytes)
                    text += "] "
                    text += rule.text
                    text += "\n"
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
        return (rulesByChain, lines.joined())
    }

    /// State the workers share: each writes a disjoint slice of `built` and its own line string, and
    /// concurrentPerform returns only when all are done.
    private struct Shared: @unchecked Sendable {
        let built: UnsafeMutableBufferPointer<FirewallRule>
        let positions: [Int]
    }

    private struct SharedLines: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<String>
    }
}
