import Foundation
import Testing
import VNetTestSupport

/// `vnetaudit explain` against the kernel (issue 11, item 5): lab/oracle/oracle.py generates small random
/// rule sets (legacy x_tables, iptables-nft, native nft, and mixes of them at the same hooks), loads each
/// into a router namespace, sends real packets through it and compares where they arrived, and with which
/// addresses, with what `explain --netns` predicts. The kernel decides: no decided packet may differ.
/// With `--extended`: the header, state and rate matches (ttl, length, dscp, pkttype, fib, ct mark, limit)
/// are in the rule sets too; bench/oracle.sh runs thousands of cases.
@Suite(.enabled(if: KernelOracle.available, "needs root, nft, iptables-legacy/-nft, conntrack and /usr/bin/python3 (scripts/install-deps.sh)"))
struct KernelOracleTests {
    static let harness = Lab.repository.appendingPathComponent("lab/oracle/oracle.py").path

    /// Fixed, so a failure reruns exactly: `lab/oracle/oracle.py --seed 20261207 --extended --case K --keep`.
    static let seed = 20_261_207
    /// About 60 s on a quiet 2-core machine (four packets a case, two explain runs at a time).
    static let cases = 300

    @Test(.timeLimit(.minutes(10)))
    func explainAgreesWithTheKernel() throws {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-oracle-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let out = try Shell.run(["/usr/bin/python3", Self.harness, "--seed", "\(Self.seed)", "--cases", "\(Self.cases)",
                                 "--extended", "--vnetaudit", BuiltProducts.vnetaudit, "--json", json.path])
        // 0: all agree; 1: disagreements (or explain errors), listed; anything else: the harness could not run.
        try #require(out.status == 0 || out.status == 1, "oracle.py exited \(out.status): \(out.stderr)\(out.stdout)")
        let data = try Data(contentsOf: json)
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "no summary in \(json.path)")
        let decided = summary["decided"] as? Int ?? 0
        let disagree = summary["disagree"] as? Int ?? -1
        let errors = summary["errors"] as? Int ?? -1
        let packets = summary["packets"] as? Int ?? 0

        #expect(summary["cases"] as? Int == Self.cases, "cases that could not be loaded:\n\(out.stdout)")
        #expect(packets >= 3 * Self.cases)
        // Most packets must be decided, or agreement says little.
        #expect(decided * 10 >= packets * 9, "only \(decided) of \(packets) packets decided: \(summary["unknownReasons"] ?? "")")
        #expect(errors == 0, "explain could not run:\n\(Self.listing(out.stdout, from: "ERROR"))")
        #expect(disagree == 0, "\(disagree) of \(decided) decided packets differ from the kernel:\n\(Self.listing(out.stdout, from: "DISAGREEMENT"))")
    }

    /// The harness's report from the first block starting with `marker` on (each block names the case, the
    /// packet, what the kernel did, what explain said, and the rule set).
    static func listing(_ stdout: String, from marker: String) -> String {
        guard let start = stdout.range(of: "\n\(marker)") else { return stdout }
        return String(stdout[start.lowerBound...])
    }
}

/// What the harness needs on this machine (a suite's trait cannot refer to the suite itself).
enum KernelOracle {
    static let tools = ["/usr/bin/python3", "/usr/sbin/nft", "/usr/sbin/iptables-legacy-restore",
                        "/usr/sbin/iptables-nft-restore", "/usr/sbin/conntrack", "/usr/sbin/ip"]

    static var available: Bool {
        Shell.isRoot && tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
