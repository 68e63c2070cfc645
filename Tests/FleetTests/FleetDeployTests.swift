import Foundation
import Testing
import VNetJudge
import VNetModel
import VNetSnapshot
import VNetTestSupport

/// deploy/: the Ansible playbook (syntax, and a real run against this machine over snapshot bundles) and
/// the systemd units (systemd-analyze verify).
@Suite struct FleetDeployTests {
    static let deploy = FleetFixtures.repository.appendingPathComponent("deploy")
    static let playbook = deploy.appendingPathComponent("ansible/vnetaudit-fleet.yml").path

    @Test(.enabled(if: Shell.has("ansible-playbook"))) func playbookAndExampleInventoryPassTheSyntaxCheck() throws {
        let run = try Shell.run(["ansible-playbook", "--syntax-check", "-i",
                                 Self.deploy.appendingPathComponent("ansible/inventory.example.yml").path, Self.playbook])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
    }

    /// Two inventory hosts on this machine (local connection), each auditing its own snapshot bundle of a lab
    /// state: the playbook runs check on each, fetches the reports and merges them on the controller.
    @Test(.enabled(if: Shell.has("ansible-playbook"))) func playbookAuditsFetchesAndMergesOnLocalhost() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-ansible-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let states = ["hv-a": "nftables-healthy", "hv-b": "iptables-masquerade-removed"]
        var hosts: [String: Any] = [:]
        for (name, state) in states {
            let bundle = dir.appendingPathComponent("snapshots/\(name)")
            try FileManager.default.createDirectory(at: bundle.deletingLastPathComponent(), withIntermediateDirectories: true)
            try SnapshotBundle.write(host: try FleetFixtures.host(state, hostname: name), raw: [], toolVersion: "test", to: bundle)
            hosts[name] = ["ansible_connection": "local", "ansible_python_interpreter": "/usr/bin/python3",
                           "vnetaudit_check_args": ["--snapshot", bundle.path]]
        }
        let inventory = dir.appendingPathComponent("inventory.json")
        try JSONSerialization.data(withJSONObject: ["hypervisors": ["hosts": hosts]]).write(to: inventory)
        let collected = dir.appendingPathComponent("collected")
        let vars: [String: Any] = [
            "vnetaudit_binary": BuiltProducts.vnetaudit, "vnetaudit_controller_binary": BuiltProducts.vnetaudit,
            "vnetaudit_become": false, "vnetaudit_remote_dir": dir.appendingPathComponent("remote").path,
            "vnetaudit_controller_dir": collected.path, "ansible_python_interpreter": "/usr/bin/python3",
        ]
        let extra = String(decoding: try JSONSerialization.data(withJSONObject: vars), as: UTF8.self)
        let run = try Shell.run(["env", "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCALHOST_WARNING=0", "ansible-playbook",
                                 "-i", inventory.path, "-e", extra, Self.playbook])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")

        for name in states.keys {
            let report = try ModelJSON.decoder().decode(AuditReport.self,
                                                        from: Data(contentsOf: collected.appendingPathComponent("\(name).json")))
            #expect(report.host.hostname == name && report.host.source.hasPrefix("snapshot "))
        }
        let text = try String(contentsOf: collected.appendingPathComponent("fleet.json"), encoding: .utf8)
        #expect(try JSONSchemaValidator.errors(of: text, against: "fleet-report.schema.json") == [])
        let fleet = try ModelJSON.decoder().decode(FleetReport.self, from: Data(text.utf8))
        #expect(fleet.hosts.map(\.hostname).sorted() == ["hv-a", "hv-b"])
        #expect(fleet.hosts.allSatisfy { $0.reportFile == "\($0.hostname).json" })
        #expect(fleet.verdict == .fail)
        #expect(fleet.failingChecks.contains { $0.sites.contains { $0.host == "hv-b" && $0.network == "default" && $0.status == .fail } })
        #expect(!fleet.failingChecks.contains { $0.sites.contains { $0.host == "hv-a" && $0.status == .fail } })
        let html = try String(contentsOf: collected.appendingPathComponent("fleet.html"), encoding: .utf8)
        #expect(html.contains("<a href=\"./hv-b.json\">hv-b</a>"))
        #expect(run.stdout.contains("verdict fail"), "the fleet verdict is printed")
    }

    /// `systemd-analyze verify` on the units as shipped, except that ExecStart's /usr/local/bin/vnetaudit
    /// (not installed on a build machine) points at the built binary: verify refuses a missing executable.
    @Test(.enabled(if: Shell.has("systemd-analyze"))) func systemdUnitsVerify() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var units: [String] = []
        for name in ["vnetaudit-audit.service", "vnetaudit-audit.timer"] {
            let text = try String(contentsOf: Self.deploy.appendingPathComponent("systemd/\(name)"), encoding: .utf8)
            let path = dir.appendingPathComponent(name).path
            try text.replacingOccurrences(of: "/usr/local/bin/vnetaudit", with: BuiltProducts.vnetaudit)
                .write(toFile: path, atomically: true, encoding: .utf8)
            units.append(path)
        }
        let run = try Shell.run(["systemd-analyze", "verify"] + units)
        #expect(run.status == 0, "\(run.stderr)")
        let ours = (run.stdout + run.stderr).split(separator: "\n").filter { $0.contains("vnetaudit-audit") }
        #expect(ours.isEmpty, "no complaint about our units: \(ours)")

        // verify is not a rubber stamp here: a misspelt setting in our unit is reported.
        let bad = dir.appendingPathComponent("vnetaudit-audit.service").path
        try (try String(contentsOfFile: bad, encoding: .utf8)).replacingOccurrences(of: "Type=oneshot", with: "Type=oneshoot")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let broken = try Shell.run(["systemd-analyze", "verify", bad])
        #expect((broken.stdout + broken.stderr).contains("vnetaudit-audit.service"), "\(broken.stderr)")
    }
}
