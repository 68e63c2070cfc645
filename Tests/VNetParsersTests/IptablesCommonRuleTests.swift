import Testing
import VNetTestSupport
import VNetModel
@testable import VNetParsers

/// The one-pass reader of common rules (IptablesCommonRule) must give exactly the rule the general
/// splitter and mapper give, or decline; these tests hold it to that on real save files, on the rule
/// shapes of busy hosts, and on random mixes of valid and broken options.
@Suite struct IptablesCommonRuleTests {
    /// Both paths for one rule: the common reader's answer (nil when it declines) and the general one.
    private func bothPaths(_ tokens: [String], family: AddressFamily, chains: Set<String>?) -> (FirewallRule?, IptablesRuleBuilder.Result) {
        let counters = Counters(packets: 3, bytes: 180)
        let common = IptablesCommonRule.build(tokens: tokens, family: family, position: 7, counters: counters, chains: chains)
        let general = IptablesRuleBuilder.buildGeneral(tokens: tokens, family: family, position: 7, counters: counters, chains: chains)
        return (common, general)
    }

    /// Checks that a rule the common reader accepts is the general path's rule, without problems.
    @discardableResult
    private func expectAgreement(_ tokens: [String], family: AddressFamily, chains: Set<String>?) -> Bool {
        let (common, general) = bothPaths(tokens, family: family, chains: chains)
        guard let common else { return false }
        #expect(common == general.rule, "\(family) \(tokens)")
        #expect(general.problems.isEmpty, "\(family) \(tokens): \(general.problems)")
        #expect(!general.otherFamilyOnly, "\(tokens)")
        return true
    }

    @Test(arguments: IptablesFixtures.all.map(\.name))
    func fixtureRulesAgree(_ name: String) throws {
        let family = IptablesFixtures.all.first { $0.name == name }!.family
        let lines = try IptablesFixtures.text(name).split(separator: "\n")
        let chains = Set(lines.filter { $0.hasPrefix(":") }.compactMap { $0.dropFirst().split(separator: " ").first.map(String.init) })
        var accepted = 0
        for line in lines where line.hasPrefix("[") || line.hasPrefix("-A") {
            var tokens = try IptablesSaveTokenizer.tokens(ArraySlice(line.utf8), firstColumn: 1).map(\.text)
            if tokens.first?.hasPrefix("[") == true { tokens.removeFirst() }
            if expectAgreement(tokens, family: family, chains: chains) { accepted += 1 }
        }
        #expect(accepted > 0, "the common reader took none of \(name)")
    }

    /// The rules the benchmark generator writes (libvirt chains, tenant chains, kube-proxy-like NAT):
    /// all of them are common rules.
    @Test func busyHostShapesAreCommonAndAgree() {
        let chains: Set<String> = ["INPUT", "FORWARD", "LIBVIRT_FWO", "TENANT-00001", "KUBE-SVC-000001", "KUBE-SEP-000001A"]
        let rules: [[String]] = [
            ["-A", "INPUT", "-j", "LIBVIRT_FWO"],
            ["-A", "INPUT", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
            ["-A", "LIBVIRT_FWO", "-i", "virbr0", "-p", "udp", "-m", "udp", "--dport", "53", "-j", "ACCEPT"],
            ["-A", "LIBVIRT_FWO", "-d", "192.168.122.0/24", "-o", "virbr0", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
            ["-A", "LIBVIRT_FWO", "-o", "virbr0", "-j", "REJECT", "--reject-with", "icmp-port-unreachable"],
            ["-A", "FORWARD", "-s", "10.1.2.0/24", "-j", "TENANT-00001"],
            ["-A", "TENANT-00001", "-s", "10.4.0.0/16", "-p", "tcp", "-m", "tcp", "--dport", "8080", "-j", "ACCEPT"],
            ["-A", "TENANT-00001", "-d", "10.9.16.0/20", "-p", "udp", "-m", "udp", "--dport", "5353", "-m", "conntrack", "--ctstate", "NEW", "-j", "ACCEPT"],
            ["-A", "TENANT-00001", "-i", "veth12", "-o", "eth0", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
            ["-A", "TENANT-00001", "-s", "10.1.1.0/28", "-d", "10.2.0.0/16", "-j", "DROP"],
            ["-A", "TENANT-00001", "-j", "RETURN"],
            ["-A", "KUBE-SVC-000001", "-d", "10.96.0.1/32", "-p", "tcp", "-m", "tcp", "--dport", "443", "-j", "KUBE-SEP-000001A"],
            ["-A", "KUBE-SEP-000001A", "-p", "tcp", "-m", "tcp", "-j", "DNAT", "--to-destination", "172.16.4.9:443"],
            ["-A", "FORWARD", "-s", "192.168.122.0/24", "!", "-d", "192.168.122.0/24", "-p", "tcp", "-j", "MASQUERADE", "--to-ports", "1024-65535"],
            ["-A", "FORWARD", "-s", "192.168.122.0/24", "!", "-d", "192.168.122.0/24", "-j", "MASQUERADE"],
            ["-A", "FORWARD", "-m", "comment", "--comment", "two words", "-m", "state", "--state", "NEW", "-j", "SNAT", "--to-source", "10.0.0.1"],
            ["-A", "FORWARD", "-i", "virbr+", "-g", "LIBVIRT_FWO"],
        ]
        for tokens in rules {
            #expect(expectAgreement(tokens, family: .ipv4, chains: chains), "declined \(tokens)")
        }
        let v6: [[String]] = [
            ["-A", "FORWARD", "-s", "fd00:1::/64", "-p", "ipv6-icmp", "-j", "ACCEPT"],
            ["-A", "FORWARD", "-o", "virbr1", "-j", "REJECT", "--reject-with", "icmp6-port-unreachable"],
            ["-A", "KUBE-SEP-000001A", "-p", "tcp", "-m", "tcp", "-j", "DNAT", "--to-destination", "[fd00::5]:80"],
        ]
        for tokens in v6 {
            #expect(expectAgreement(tokens, family: .ipv6, chains: chains), "declined \(tokens)")
        }
    }

    /// Forms outside the subset go to the general path, which alone reports problems.
    @Test func unusualFormsDecline() {
        let declined: [[String]] = [
            ["-A", "X", "--source", "10.0.0.0/8", "-j", "ACCEPT"],
            ["-A", "X", "-s", "!", "10.0.0.0/8", "-j", "ACCEPT"],
            ["-A", "X", "-s", "10.0.0.1,10.0.0.2", "-j", "ACCEPT"],
            ["-A", "X", "-s", "10.0.0.0/255.0.255.0", "-j", "ACCEPT"],
            ["-A", "X", "-m", "tcp", "--dport", "80", "-s", "10.0.0.0/8"],
            ["-A", "X", "-p", "tcp", "--dport", "80"],
            ["-A", "X", "-m", "conntrack", "--ctstate", "new"],
            ["-A", "X", "-m", "conntrack", "--ctstate", "NEW,BOGUS"],
            ["-A", "X", "-p", "all", "-j", "DROP"],
            ["-A", "X", "-j", "DNAT", "--to-destination", "1.2.3.4:80", "--random"],
            ["-A", "X", "-j", "QUEUE"],
            ["-A", "X", "-j", "NOCHAIN"],
            ["-A", "X", "-f", "-j", "DROP"],
            ["-A", "X", "-c", "1", "2", "-j", "DROP"],
            ["-A", "X", "-j", "ACCEPT", "-j", "DROP"],
            ["-A", "X", "-s"],
        ]
        for tokens in declined {
            #expect(bothPaths(tokens, family: .ipv4, chains: ["X"]).0 == nil, "\(tokens)")
        }
    }

    /// Random mixes of options, valid and broken, in any order: whenever the common reader answers,
    /// the general path gives the same rule without problems.
    @Test func randomMixesAgree() {
        let addresses = ["10.0.0.0/8", "1.2.3.4", "1.2.3.4/32", "1.2.3.4/255.255.0.0", "1.2.3.4/255.0.255.0", "300.1.1.1",
                         "fe80::/64", "fe80::1", "1.2.3.4,5.6.7.8", "", "10.0.0.0/33", "::/0"]
        let interfaces = ["eth0", "virbr+", "veth123", "", "averyveryverylongname", "+", "eth0.100"]
        let protocols = ["tcp", "udp", "icmp", "all", "6", "TCP", "ipv6-icmp", "bogus", "0", "255"]
        let ports = ["80", "1:1024", ":80", "80:", "0", "65535", "65536", "x", "80:70", "080"]
        let states = ["NEW", "RELATED,ESTABLISHED", "new", "ESTABLISHED,RELATED", "INVALID,UNTRACKED", "SNAT,DNAT", "NEW,,", "BOGUS", ""]
        let nat = ["172.16.1.2:80", "172.16.1.2", "172.16.1.2-172.16.1.9:80-90", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:080",
                   "[fe80::1]:80", "fe80::1", ":80", "1.2.3.4:80/90", "1.2.3.4:", "1.2.3:80"]
        let rejects = ["icmp-port-unreachable", "tcp-reset", "icmp6-adm-prohibited", "port-unreach", "bogus"]
        var rng = SplitMix64(state: 0x1234_5678)
        func pick(_ values: [String]) -> String { values[Int(rng.next() % UInt64(values.count))] }
        let pieces: [() -> [String]] = [
            { ["-s", pick(addresses)] }, { ["!", "-d", pick(addresses)] }, { ["-d", pick(addresses)] },
            { ["-i", pick(interfaces)] }, { ["!", "-o", pick(interfaces)] }, { ["-p", pick(protocols)] }, { ["!", "-p", pick(protocols)] },
            { ["-m", "tcp"] }, { ["-m", "udp"] }, { ["--dport", pick(ports)] }, { ["!", "--sport", pick(ports)] },
            { ["-m", "conntrack"] }, { ["--ctstate", pick(states)] }, { ["!", "--ctstate", pick(states)] },
            { ["-m", "state"] }, { ["--state", pick(states)] }, { ["-m", "comment"] }, { ["--comment", pick(["a b", "x", "\"q\""])] },
            { ["-m", "multiport"] }, { ["--dports", "80,443"] }, { ["--tcp-flags", "SYN,ACK", "SYN"] }, { ["-f"] },
            { ["-j", pick(["ACCEPT", "DROP", "RETURN", "QUEUE", "CHAIN1", "NOCHAIN"])] }, { ["-g", "CHAIN1"] },
            { ["-j", "REJECT"] }, { ["--reject-with", pick(rejects)] }, { ["-j", "DNAT"] }, { ["--to-destination", pick(nat)] },
            { ["-j", "SNAT"] }, { ["--to-source", pick(nat)] }, { ["-j", "MASQUERADE"] }, { ["--to-ports", pick(["1024-65535", "80", "90-80", "x"])] },
            { ["--random"] }, { ["!"] },
        ]
        var accepted = 0
        for _ in 0..<20_000 {
            var tokens = ["-A", "CHAIN1"]
            for _ in 0..<Int(rng.next() % 7) { tokens += pieces[Int(rng.next() % UInt64(pieces.count))]() }
            let family: AddressFamily = rng.next() % 2 == 0 ? .ipv4 : .ipv6
            let chains: Set<String>? = rng.next() % 4 == 0 ? nil : ["CHAIN1"]
            if expectAgreement(tokens, family: family, chains: chains) { accepted += 1 }
        }
        #expect(accepted > 1000, "only \(accepted) random rules took the common path")
    }
}
