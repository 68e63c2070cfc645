import Testing
import VNetModel
import VNetEvaluate

/// The field notes' most common breakage: Docker's legacy FORWARD policy DROP next to libvirt's
/// nftables table. libvirt accepts the guest's packet in its own chain; Docker's chain drops it.
@Suite struct DockerCoexistenceTests {
    private func combined() throws -> Firewall {
        Firewall(tables: try RuleSetFixtures.libvirtNftables().tables + RuleSetFixtures.docker().tables)
    }

    @Test func guestTrafficIsDroppedByDockersForwardPolicy() throws {
        let result = evaluate(Build.guestOutbound(), hooks: Build.forwardedHooks, firewall: try combined())
        #expect(result.fate == .dropped)
        let forward = result.steps.filter { $0.hook == .forward }
        #expect(forward.map(\.system) == [.xtables])
        #expect(forward.first?.outcome == .policy(.drop))
    }

    @Test func addrtypeIsUndecidableButBothWaysDropAtForward() throws {
        let result = evaluate(Build.guestOutbound(dport: 8080), hooks: Build.forwardedHooks, firewall: try combined())
        #expect(result.fate == .dropped)
        #expect(result.steps.first?.hits.first?.text == "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER")
    }
}
