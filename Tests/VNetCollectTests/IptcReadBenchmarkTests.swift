import Foundation
import Testing
import VNetCollect
import VNetModel
import VNetParsers
import VNetTestSupport

/// Opt-in timing (VNETAUDIT_BENCH=1, best in a release build): 100,000 legacy rules (libvirt chains
/// plus kube-proxy-like service chains) read through libiptc, against iptables-legacy-save on the same
/// namespace. The reader must finish within 2x the tool's time. CPU time is printed too (the
/// reader's includes its worker threads): on busy shared cores, compare those.
@Suite(.enabled(if: Shell.isRoot && ProcessInfo.processInfo.environment["VNETAUDIT_BENCH"] == "1", "set VNETAUDIT_BENCH=1 (root)"))
struct IptcReadBenchmarkTests {
    /// About `services * 6 + 4 * 8` rules in nat and filter.
    static func ruleSet(services: Int) -> String {
        var nat = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
        nat += ":KUBE-MARK-MASQ - [0:0]\n:KUBE-SERVICES - [0:0]\n:LIBVIRT_PRT - [0:0]\n"
        var rules = "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        rules += "-A POSTROUTING -j LIBVIRT_PRT\n-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"
        rules += "-A LIBVIRT_PRT -s 192.168.122.0/24 ! -d 192.168.122.0/24 -p tcp -j MASQUERADE --to-ports 1024-65535\n"
        for i in 0..<services {
            let svc = "KUBE-SVC-\(String(i, radix: 16, uppercase: true))", sep = "KUBE-SEP-\(String(i, radix: 16, uppercase: true))"
            let ip = "10.\(96 + i >> 16).\(i >> 8 & 255).\(i & 255)"
            nat += ":\(svc) - [0:0]\n:\(sep) - [0:0]\n"
            rules += "-A KUBE-SERVICES -d \(ip)/32 -p tcp -m comment --comment \"ns/svc-\(i):http cluster IP\" -m tcp --dport 80 -j \(svc)\n"
            rules += "-A \(svc) ! -s 10.244.0.0/16 -d \(ip)/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ\n"
            rules += "-A \(svc) -m comment --comment \"ns/svc-\(i):http -> 10.244.\(i >> 8 & 255).\(i & 255):8080\" -j \(sep)\n"
            rules += "-A \(sep) -s 10.244.\(i >> 8 & 255).\(i & 255)/32 -j KUBE-MARK-MASQ\n"
            rules += "-A \(sep) -p tcp -m tcp -j DNAT --to-destination 10.244.\(i >> 8 & 255).\(i & 255):8080\n"
        }
        var filter = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-FORWARD - [0:0]\n"
        filter += "-A FORWARD -j KUBE-FORWARD\n"
        for i in 0..<services {
            filter += "-A KUBE-FORWARD -d 10.244.\(i >> 8 & 255).\(i & 255)/32 -o virbr0 -p tcp -m multiport --dports 80,443 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        }
        return nat + rules + "COMMIT\n" + filter + "COMMIT\n"
    }

    private struct Times: CustomStringConvertible, Sendable {
        var wall: Double
        var cpu: Double
        var description: String { String(format: "%.3f s wall, %.3f s CPU", wall, cpu) }
    }

    private static func cpuSeconds(_ who: Int32) -> Double {
        var usage = rusage()
        getrusage(who, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Wall and CPU time of `body`; CPU of this process, or of waited-for children.
    private static func measure(children: Bool, _ body: () throws -> Void) rethrows -> Times {
        let who = children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue
        let start = DispatchTime.now().uptimeNanoseconds, startCPU = cpuSeconds(who)
        try body()
        return Times(wall: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpu: cpuSeconds(who) - startCPU)
    }

    @Test func readingOneHundredThousandRulesStaysWithinTwiceIptablesSave() throws {
        let ns = try TemporaryNamespace("iptc-bench")
        try ns.exec(["iptables-legacy-restore"], input: Self.ruleSet(services: 16_667))
        var saved = ""
        let saveTime = try Self.measure(children: true) { saved = try ns.exec(["iptables-legacy-save"]) }
        let (read, readTime) = try NetworkNamespace.run(named: ns.name) { () throws -> (LegacyTablesRead?, Times) in
            var read: LegacyTablesRead?
            let time = try Self.measure(children: false) { read = try LegacyIptablesReader.read(family: .ipv4) }
            return (read, time)
        }
        let rules = read?.tables.reduce(0) { $0 + $1.chains.reduce(0) { $0 + $1.rules.count } } ?? 0
        var parsed: [FirewallTable] = []
        let parseTime = try Self.measure(children: false) {
            parsed = try IptablesSaveParser.parse(saved, family: .ipv4, system: .xtables, file: "bench")
        }
        print("iptc benchmark: \(rules) rules; iptables-legacy-save \(saveTime); libiptc reader \(readTime); text parser \(parseTime)")
        #expect(rules >= 100_000)
        #expect(parsed.reduce(0) { $0 + $1.chains.reduce(0) { $0 + $1.rules.count } } == rules)
        #expect(readTime.wall <= 2 * saveTime.wall)
    }
}
