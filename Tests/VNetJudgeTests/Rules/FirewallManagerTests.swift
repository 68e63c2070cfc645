import Foundation
import Testing
@testable import VNetJudge
import VNetModel

/// Firewall managers recognised in the real lab variants (lab.sh firewall), and fixes in their own terms.
@Suite struct FirewallManagerTests {
    private func host(_ base: String) throws -> HostState {
        let url = RuleFixture.directory.appendingPathComponent("\(base).json")
        return try ModelJSON.decoder().decode(HostState.self, from: Data(contentsOf: url))
    }

    private func findings(_ rule: String, _ host: HostState, network: String = "default") throws -> [Finding] {
        let catalogue = try Catalogue.standard()
        let entry = try #require(catalogue.entry(rule))
        return catalogue.run(entry, AuditScope(host: host)).filter { $0.network == network }.map(\.finding)
    }

    @Test func theManagersOfEachVariantAreRecognised() throws {
        #expect(FirewallManager.present(in: try host("lab-nftables").firewall) == [.libvirt])
        #expect(FirewallManager.present(in: try host("lab-nftables-docker-legacy").firewall) == [.libvirt, .docker])
        #expect(FirewallManager.present(in: try host("lab-nftables-ufw-enable").firewall) == [.libvirt, .ufw])
        #expect(FirewallManager.present(in: try host("lab-nftables-firewalld-healthy").firewall) == [.libvirt, .firewalld])
        #expect(FirewallManager.present(in: try host("lab-nftables-nftables-conf-reload").firewall) == [.nftablesConf])
    }

    @Test func dockersForwardDropIsFixedInDockerUser() throws {
        let finding = try #require(try findings("VNA-002", try host("lab-nftables-docker-legacy")).first { $0.family == .ipv4 })
        #expect(finding.status == .fail)
        #expect(finding.remediation?.commands == [
            "iptables-legacy -I DOCKER-USER -i virbr0 -j ACCEPT",
            "iptables-legacy -I DOCKER-USER -o virbr0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        ])
    }

    @Test func ufwsRoutedDenyIsFixedWithUfwRouteAllow() throws {
        let host = try host("lab-nftables-ufw-enable")
        let nat = try #require(try findings("VNA-002", host).first { $0.family == .ipv4 })
        #expect(nat.status == .fail)
        // Replies need nothing: ufw's before-forward chain accepts established traffic.
        #expect(nat.remediation?.commands == ["ufw route allow in on virbr0"])
        let routed = try #require(try findings("VNA-002", host, network: "routed").first { $0.family == .ipv4 })
        #expect(routed.remediation?.commands == ["ufw route allow in on virbr2", "ufw route allow out on virbr2"])
    }

    @Test func ufwsInputDropIsFixedWithUfwAllow() throws {
        let finding = try #require(try findings("VNA-006", try host("lab-nftables-ufw-enable")).first { $0.family == .ipv4 })
        #expect(finding.status == .fail)
        #expect(finding.remediation?.commands == [
            "ufw allow in on virbr0 proto udp to any port 67",
            "ufw allow in on virbr0 proto udp to any port 53",
            "ufw allow in on virbr0 proto tcp to any port 53",
        ])
    }

    @Test func firewalldsZoneOfEachBridgeIsReadFromItsDispatchChain() throws {
        let healthy = try #require(FirewalldZones(try host("lab-nftables-firewalld-healthy").firewall))
        #expect(healthy.zone(of: "virbr0") == "libvirt")
        #expect(healthy.zone(of: "virbr2") == "libvirt-routed")
        #expect(healthy.zone(of: "eth-up") == "public")
        let moved = try #require(FirewalldZones(try host("lab-nftables-firewalld-public").firewall))
        #expect(moved.zone(of: "virbr0") == "public")
        #expect(moved.has(zone: "libvirt"))
        let missing = try #require(FirewalldZones(try host("lab-nftables-firewalld-no-libvirt-zone").firewall))
        #expect(!missing.has(zone: "libvirt"))
        #expect(FirewalldZones(try host("lab-nftables").firewall) == nil)
    }

    @Test func aReloadIsBlamedOnTheManagerWhoseTablesAreThere() throws {
        let finding = try #require(try findings("VNA-005", try host("lab-nftables-nftables-conf-reload")).first { $0.family == .ipv4 })
        #expect(finding.message.contains("nft -f /etc/nftables.conf"))
        #expect(!LibvirtRulesMissingRule.suspects(try host("lab-nftables").firewall).contains("firewalld"))
    }
}
