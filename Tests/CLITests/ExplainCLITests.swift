import Foundation
import Testing
import VNetModel
import VNetTestSupport

/// `vnetaudit explain` as a user runs it: the real binary on a network namespace set up like a libvirt
/// nat network (guests on virbr0 masqueraded out of eth0, new inbound connections rejected), on a
/// snapshot of it, and on bare rule-set files; exit codes and messages.
@Suite(.serialized) struct ExplainCLITests {
    private func run(_ arguments: [String]) throws -> Shell.Output {
        try Shell.run([BuiltProducts.vnetaudit, "explain"] + arguments)
    }

    private static let guestToLAN = ["--from", "192.168.122.11", "--to", "198.51.100.1", "--in", "virbr0",
                                     "--sport", "40000", "--dport", "443"]
    private static let lanToGuest = ["--from", "198.51.100.1", "--to", "192.168.122.11", "--in", "eth0", "--dport", "22"]

    /// A namespace holding a bridge with the guests' subnet, an uplink with a default route, forwarding
    /// on, and an nftables rule set doing what libvirt's nat network does.
    private static func natHost() throws -> TemporaryNamespace {
        let ns = try TemporaryNamespace("explain")
        try ns.sh("""
            ip link add virbr0 type bridge && ip addr add 192.168.122.1/24 dev virbr0 && ip link set virbr0 up
            ip link add eth0 type veth peer name lan0 && ip addr add 203.0.113.2/24 dev eth0
            ip link set eth0 up && ip link set lan0 up
            ip route add default via 203.0.113.254 dev eth0
            sysctl -qw net.ipv4.ip_forward=1
            """)
        try ns.exec(["nft", "-f", "-"], input: """
            table ip guests {
              chain guestfw { type filter hook forward priority 0; policy drop;
                iifname "virbr0" ip saddr 192.168.122.0/24 accept
                oifname "virbr0" ct state established,related accept
                oifname "virbr0" reject
              }
              chain guestnat { type nat hook postrouting priority 100;
                ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 masquerade
              }
            }
            """)
        return ns
    }

    private static func json(_ output: Shell.Output) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    }

    @Test(.enabled(if: Shell.isRoot && Shell.has("nft"), "needs root and nft for a network namespace"))
    func guestToLANIsAcceptedAndMasqueradedToTheUplinkAddress() throws {
        let ns = try Self.natHost()
        let out = try run(["--netns", ns.name] + Self.guestToLAN)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("4. FORWARD\n   nf_tables ip guests guestfw (priority 0)  accept"))
        #expect(out.stdout.contains("source NAT       masquerade to the address of eth0"))
        #expect(out.stdout.contains("leaves by        eth0, from 203.0.113.2 to 198.51.100.1"))
        #expect(out.stdout.contains("fate             ACCEPTED"))
        #expect(!out.stdout.contains("\u{1B}["), "no colour when the output is not a terminal")
    }

    @Test(.enabled(if: Shell.isRoot && Shell.has("nft"), "needs root and nft for a network namespace"))
    func newInboundIsRejectedWithExit1AndRepliesPass() throws {
        let ns = try Self.natHost()
        let out = try run(["--netns", ns.name] + Self.lanToGuest)
        #expect(out.status == 1)
        #expect(out.stdout.contains("fate             REJECTED by forward ip guests guestfw: handle "), "\(out.stdout)")
        let reply = try run(["--netns", ns.name, "--state", "established", "--reply"] + Self.lanToGuest)
        #expect(reply.status == 0, "\(reply.stdout)")
    }

    @Test(.enabled(if: Shell.isRoot && Shell.has("nft"), "needs root and nft for a network namespace"))
    func jsonIsThePathReportWithSortedKeysAndASnapshotGivesTheSameAnswer() throws {
        let ns = try Self.natHost()
        let live = try run(["--netns", ns.name, "--format", "json"] + Self.guestToLAN)
        #expect(live.status == 0, "\(live.stderr)")
        let report = try Self.json(live)
        #expect(report["fate"] as? String == "accepted")
        #expect(report["egressInterface"] as? String == "eth0")
        #expect(report["sourceAfterNAT"] as? String == "203.0.113.2")
        #expect((report["stages"] as? [Any])?.count == 5)
        let keys = ["decidedBy", "destinationAfterNAT", "destinationTranslation", "egressInterface", "fate", "packet",
                    "sourceAfterNAT", "sourceTranslation", "stages", "unknownBecause"]
        let positions = keys.compactMap { live.stdout.range(of: "\n  \"\($0)\" :")?.lowerBound }
        #expect(positions == positions.sorted(), "top-level keys sorted")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-explain-\(getpid())-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let snap = try Shell.run([BuiltProducts.vnetaudit, "snapshot", "--netns", ns.name, "--output", dir])
        #expect(snap.status == 0, "\(snap.stderr)")
        let saved = try run(["--snapshot", dir, "--format", "json"] + Self.guestToLAN)
        #expect(saved.status == 0)
        #expect(saved.stdout == live.stdout)
    }

    /// The nat host with an input chain testing header values and ufw's rate-limited logging rule.
    private static func headerHost() throws -> TemporaryNamespace {
        let ns = try natHost()
        try ns.exec(["nft", "-f", "-"], input: """
            table inet hostfw {
              chain input { type filter hook input priority 0; policy accept;
                limit rate 3/minute burst 10 packets log prefix "[UFW BLOCK] "
                ip ttl < 5 drop
                meta length > 1400 drop
                tcp flags & (syn | ack) != syn ct state new drop
                ip dscp ef accept
              }
            }
            """)
        return ns
    }

    @Test(.enabled(if: Shell.isRoot && Shell.has("nft"), "needs root and nft for a network namespace"))
    func headerOptionsDecideTheMatchesThatTestThem() throws {
        let ns = try Self.headerHost()
        let toHost = ["--netns", ns.name, "--from", "192.168.122.11", "--to", "192.168.122.1", "--in", "virbr0", "--dport", "22"]
        // Not given, the TTL is unknown and the drop may or may not happen; the limited log does not matter.
        let unknown = try run(toHost)
        #expect(unknown.status == 3, "\(unknown.stdout)")
        #expect(unknown.stdout.contains("ip ttl < 5 drop: its matches cannot be decided"), "\(unknown.stdout)")
        #expect(!unknown.stdout.contains("UFW BLOCK] \": its"), "\(unknown.stdout)")
        let given = ["--ttl", "64", "--length", "60"]
        #expect(try run(toHost + given).status == 0)
        #expect(try run(toHost + ["--ttl", "3", "--length", "60"]).status == 1)
        #expect(try run(toHost + ["--ttl", "64", "--length", "1500"]).status == 1)
        // A new connection's first packet is a SYN unless said otherwise.
        let ack = try run(toHost + given + ["--tcp-flags", "ack"])
        #expect(ack.status == 1)
        #expect(ack.stdout.contains("tcp 192.168.122.11 -> 192.168.122.1:22, new, ttl 64, length 60, flags ack, in on virbr0"), "\(ack.stdout)")
        let json = try Self.json(try run(toHost + given + ["--dscp", "ef", "--ct-mark", "0x10", "--format", "json"]))
        let packet = try #require(json["packet"] as? [String: Any])
        #expect(packet["ttl"] as? Int == 64 && packet["length"] as? Int == 60 && packet["dscp"] as? Int == 46)
        #expect(packet["conntrackMark"] as? Int == 16 && packet["tcpFlags"] == nil)
    }

    /// firewalld's IPv6 reverse-path filter, decided on the namespace's own routes: a guest's source
    /// routes back out of virbr0 and passes; a source that routes back out of eth0 is dropped.
    @Test(.enabled(if: Shell.isRoot && Shell.has("nft"), "needs root and nft for a network namespace"))
    func reversePathFilterFollowsTheHostsRoutes() throws {
        let ns = try TemporaryNamespace("explain-rpf")
        try ns.sh("""
            ip link add virbr0 type bridge && ip -6 addr add 2001:db8:122::1/64 dev virbr0 nodad && ip link set virbr0 up
            ip link add eth0 type veth peer name lan0 && ip -6 addr add 2001:db8:1::2/64 dev eth0 nodad
            ip link set eth0 up && ip link set lan0 up
            ip -6 route add default via 2001:db8:1::1 dev eth0
            sysctl -qw net.ipv6.conf.all.forwarding=1
            """)
        try ns.exec(["nft", "-f", "-"], input: """
            table inet firewalld {
              chain filter_PREROUTING { type filter hook prerouting priority -290; policy accept;
                meta nfproto ipv6 fib saddr . mark . iif oif missing drop
              }
            }
            """)
        let guest = try run(["--netns", ns.name, "--from", "2001:db8:122::11", "--to", "2001:db8:1::99", "--in", "virbr0", "--dport", "443"])
        #expect(guest.status == 0, "\(guest.stdout)")
        let spoofed = try run(["--netns", ns.name, "--from", "2001:db8:1::77", "--to", "2001:db8:1::99", "--in", "virbr0", "--dport", "443"])
        #expect(spoofed.status == 1, "\(spoofed.stdout)")
        #expect(spoofed.stdout.contains("fib saddr . mark . iif oif missing drop"), "\(spoofed.stdout)")
    }

    @Test func ruleSetFilesAloneLeaveRoutingUnknownWithExit3() throws {
        let rules = CLITests.fixtures.appendingPathComponent("nft/libvirt-nftables.json").path
        let out = try run(["--nft-json", rules] + Self.guestToLAN)
        #expect(out.status == 3)
        #expect(out.stdout.contains("ROUTING  unknown: the host's routes were not collected"))
        #expect(out.stdout.contains("fate             UNKNOWN"))
    }

    @Test func badAddressesPortsAndOptionsExit2WithAClearMessage() throws {
        let cases: [([String], String)] = [
            (["--from", "300.1.1.1", "--to", "10.0.0.1"], "--from 300.1.1.1: not an IPv4 or IPv6 address"),
            (["--from", "10.0.0.1", "--to", "nowhere"], "--to nowhere: not an IPv4 or IPv6 address"),
            (["--from", "10.0.0.1", "--to", "2001:db8::1"], "of different address families"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--dport", "70000"], "--dport 70000: a port is 0-65535"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--proto", "icmp", "--dport", "22"], "--sport and --dport need --proto tcp or udp"),
            (["--from", "2001:db8::1", "--to", "2001:db8::2", "--proto", "icmp"], "use --proto icmpv6"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--reply"], "--reply needs --state established or related"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--proto", "sctp"], "sctp"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--ttl", "300"], "--ttl 300: a TTL or hop limit is 0-255"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--length", "12"], "--length 12: an IPv4 packet is 20-65535 bytes"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--dscp", "64"], "--dscp 64: a DSCP is 0-63"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--dscp", "gold"], "--dscp gold: a DSCP is 0-63"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--tcp-flags", "syn,bogus"], "--tcp-flags: unknown flag 'bogus'"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--proto", "udp", "--tcp-flags", "syn"], "--tcp-flags needs --proto tcp"),
            (["--from", "10.0.0.1", "--to", "10.0.0.2", "--ct-mark", "0x100000000"], "--ct-mark 0x100000000: a mark is 0-0xffffffff"),
        ]
        for (arguments, message) in cases {
            let out = try run(arguments + ["--snapshot", "/nonexistent"])
            #expect(out.status == 2, "\(arguments)")
            #expect(out.stderr.contains(message), "\(arguments): \(out.stderr)")
        }
    }

    @Test func helpDocumentsTheExitCodes() throws {
        let out = try run(["--help"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("0 the packet is accepted"))
        #expect(out.stdout.contains("3 the fate is unknown"))
    }
}
