import Foundation
import Testing
import VNetJudge
import VNetModel
import VNetTestSupport

/// `merge` over several namespaced hypervisors: three labs (both backends, healthy and broken) audited live by
/// the real binary, merged, and the fleet summary held to what was done to each lab.
///
/// The labs share this machine's kernel and so its hostname, which is every report's identity in a fleet.
/// Each audit therefore runs in its own UTS namespace (`unshare --uts`) named after the lab's hypervisor, as
/// a hypervisor in a container or VM has its own: the tool reads the hostname the normal way, nothing is faked.
@Suite(.enabled(if: Lab.available, "needs root and libvirtd (scripts/install-deps.sh)"))
struct FleetLabTests {
    struct Member {
        let lab: String
        let backend: String
        /// A break from lab/README.md, nil for a healthy lab.
        let cause: String?
        /// The network the break fails.
        let failing: String?
        var hypervisor: String { "\(lab)-hv" }
    }

    static let members = [
        Member(lab: "flnft", backend: "nftables", cause: nil, failing: nil),
        Member(lab: "flipt", backend: "iptables", cause: "masquerade-removed", failing: "default"),
        Member(lab: "flb", backend: "nftables", cause: "isolation-broken", failing: "isolated"),
    ]

    static let labNetworks: Set<String> = ["default", "nat6", "routed", "isolated", "open", "hostbridge"]

    @Test func mergeOfSeveralLabHostsGivesTheFleetSummary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-fleetlab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var files: [String] = []
        var reports: [String: AuditReport] = [:]
        for member in Self.members {
            // Lab's deinit takes the lab down at the end of this iteration, also when anything below throws.
            let lab = try Lab(name: member.lab, backend: member.backend)
            defer { withExtendedLifetime(lab) {} }
            if let cause = member.cause { try lab.breakState(cause) }
            let file = dir.appendingPathComponent("\(member.hypervisor).json").path
            let out = try lab.hypervisorRun(["unshare", "--uts", "sh", "-c", #"hostname "$0" && exec "$@""#, member.hypervisor,
                                             BuiltProducts.vnetaudit, "check", "--netns", member.hypervisor,
                                             "--format", "json", "--output", file])
            #expect([0, 1, 3].contains(out.status), "\(member.lab): check could not run: \(out.stderr)")
            let report = try ModelJSON.decoder().decode(AuditReport.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            #expect(report.host.hostname == member.hypervisor)
            #expect(report.host.source == "live, network namespace \(member.hypervisor)")
            files.append(file)
            reports[member.hypervisor] = report
        }

        let fleetFile = dir.appendingPathComponent("fleet.json").path
        let merge = try Shell.run([BuiltProducts.vnetaudit, "merge", "--output", fleetFile] + files)
        #expect(merge.status == 1, "a broken lab fails the fleet: \(merge.stderr)")
        let text = try String(contentsOfFile: fleetFile, encoding: .utf8)
        #expect(try JSONSchemaValidator.errors(of: text, against: "fleet-report.schema.json") == [])
        let fleet = try ModelJSON.decoder().decode(FleetReport.self, from: Data(text.utf8))

        #expect(Set(fleet.hosts.map(\.hostname)) == Set(Self.members.map(\.hypervisor)), "every lab is a host of its own")
        #expect(fleet.superseded.isEmpty)
        #expect(fleet.verdict == .fail)
        #expect(fleet.totals.hosts.total == 3 && fleet.totals.networks.total == 3 * Self.labNetworks.count)
        let failSites = fleet.failingChecks.flatMap { check in check.sites.filter { $0.status == .fail }.map { (check.id, $0) } }
        for member in Self.members {
            let host = try #require(fleet.hosts.first { $0.hostname == member.hypervisor })
            let report = try #require(reports[member.hypervisor])
            #expect(Set(host.networks.map(\.name)) == Self.labNetworks, "\(member.lab)")
            #expect(host.libvirtFirewallBackend?.rawValue == member.backend)
            #expect(host.verdict == report.verdict && host.reportFile == "\(member.hypervisor).json")
            let failing = Set(failSites.filter { $0.1.host == member.hypervisor }.compactMap(\.1.network))
            if let network = member.failing {
                #expect(failing.contains(network), "\(member.lab) after \(member.cause ?? ""): \(failing)")
                #expect(host.verdict == .fail)
            } else {
                #expect(failSites.filter { $0.1.host == member.hypervisor }.isEmpty,
                        "the healthy lab fails nothing: \(failSites.filter { $0.1.host == member.hypervisor }.map(\.0))")
            }
        }
        // The masquerade break shows only where it was made.
        let masquerade = failSites.filter { $0.1.network == "default" }.map(\.1.host)
        #expect(Set(masquerade) == ["flipt-hv"], "\(masquerade)")
    }
}
