import Testing
import VNetJudge
import VNetModel

/// Catalogue rules that walk fixed hooks still decide address types from the host: ufw's `ufw-not-local`
/// chain returns for local, broadcast and multicast destinations and drops the rest, so a DHCP discover
/// (limited broadcast) and DNS to the bridge address reach dnsmasq, and a guest's packet to another
/// host's address does not.
@Suite struct AddressTypeWalkTests {
    private func ufwNotLocal(_ rules: [FirewallRule]) -> FirewallTable {
        let input = FirewallChain(name: "INPUT", base: BaseChain(type: .filter, hook: .input, priority: 0, policy: .accept),
                                  rules: [FirewallRule(position: 1, elements: [.action(.jump("ufw-not-local"))], text: "-A INPUT -j ufw-not-local")])
        return FirewallTable(system: .nftables, family: .ip, name: "filter",
                             chains: [input, FirewallChain(name: "ufw-not-local", rules: rules)])
    }

    private func returnFor(_ type: String, _ position: Int) -> FirewallRule {
        FirewallRule(position: position, elements: [.match(Match(.dstAddrType, .eq, .symbol(type))), .action(.return)],
                     text: "-A ufw-not-local -m addrtype --dst-type \(type.uppercased()) -j RETURN")
    }

    private func outcome(_ host: HostState) throws -> [ScopedFinding] {
        let catalogue = try Catalogue.standard()
        let entry = try #require(catalogue.entry("VNA-006"))
        return catalogue.run(entry, AuditScope(host: host)).filter { $0.network == "default" && $0.finding.family == .ipv4 }
    }

    @Test func ufwsNotLocalReturnsAreDecidedForDHCPAndDNS() throws {
        var host = try ClaimsFixtures.host("nftables-healthy")
        let drop = FirewallRule(position: 4, elements: [.action(.drop)], text: "-A ufw-not-local -j DROP")
        host.firewall.tables.append(ufwNotLocal([returnFor("local", 1), returnFor("multicast", 2), returnFor("broadcast", 3), drop]))
        let healthy = try outcome(host)
        #expect(healthy.map(\.finding.status) == [.pass], "\(healthy.map(\.finding.message))")
        // Without the broadcast return the discover is dropped, and the rule names it.
        let i = host.firewall.tables.count - 1
        host.firewall.tables[i].chains[1].rules.remove(at: 2)
        let broken = try outcome(host)
        #expect(broken.map(\.finding.status) == [.fail])
        #expect(broken.first?.finding.message.contains("255.255.255.255:67") == true)
    }
}
