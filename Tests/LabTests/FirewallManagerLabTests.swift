import Foundation
import Testing
import VNetJudge
import VNetModel
import VNetTestSupport

/// Root, libvirtd, and Debian's ufw, docker.io, firewalld and dbus-daemon (scripts/install-deps.sh).
enum FirewallManagers {
    static var installed: Bool {
        Lab.available && ["/usr/sbin/ufw", "/usr/sbin/dockerd", "/usr/sbin/firewalld", "/usr/bin/dbus-daemon"]
            .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// The firewall managers real hosts run, really running beside libvirt in the lab (lab/firewalls.sh):
/// ufw, Docker's dockerd (iptables-nft and iptables-legacy), firewalld with its own D-Bus system bus, and
/// Debian's /etc/nftables.conf and example files. For each libvirt firewall backend and each variant, the
/// truth of every network is measured with real traffic (the lab's selftest, plus DNS and DHCP from the
/// guests of the networks the selftest does not probe for them, and a connection from another network to
/// the routed guest, which a routed network with `dev` refuses), and `vnetaudit check` must agree with it
/// network by network: a network that works is judged `pass` or `warn` (never `fail`, nor `inconclusive`
/// for want of a decoded rule); a broken one is judged `fail` (an
/// `open` network, whose mode leaves every decision to the host's firewall, at least `warn`).
@Suite(.enabled(if: FirewallManagers.installed, "needs root, libvirtd and the firewall managers (scripts/install-deps.sh)"),
       .serialized)
struct FirewallManagerLabTests {
    /// One lab: the tool's variants applied in order (each `lab.sh firewall TOOL VARIANT`), measured after each.
    struct Case: Sendable, CustomStringConvertible {
        let tool: String
        let steps: [String]
        let index: Int
        var description: String { "\(tool) \(steps.joined(separator: " then "))" }
    }

    static let cases: [Case] = [
        Case(tool: "ufw", steps: ["enable", "route-allow"], index: 1),
        Case(tool: "docker", steps: ["nft", "fix"], index: 2),
        Case(tool: "docker", steps: ["legacy", "fix"], index: 3),
        Case(tool: "firewalld", steps: ["healthy", "reload"], index: 4),
        Case(tool: "firewalld", steps: ["public"], index: 5),
        Case(tool: "firewalld", steps: ["no-libvirt-zone"], index: 6),
        Case(tool: "firewalld", steps: ["reject-policy"], index: 7),
        Case(tool: "firewalld", steps: ["reject-rich-rule"], index: 8),
        Case(tool: "nftables", steps: ["conf", "reload"], index: 9),
        Case(tool: "nftables", steps: ["drop"], index: 10),
        Case(tool: "nftables", steps: ["workstation"], index: 11),
    ]

    /// Host services of the networks the selftest probes only for `default`: network, guest, gateway.
    static let services: [(network: String, guest: String, gateway: String)] = [
        ("nat6", "nat6", "192.168.150.1"), ("routed", "routed", "192.168.130.1"),
        ("isolated", "isolated", "192.168.140.1"), ("open", "open", "192.168.160.1"),
    ]

    private static let probe = Lab.repository.appendingPathComponent("lab/probe.py").path

    /// One real-traffic check: its network, its name, and whether it behaved as the healthy lab does.
    struct TrafficCheck: Sendable {
        let network: String
        let name: String
        let works: Bool
    }

    @Test(arguments: ["nftables", "iptables"], FirewallManagerLabTests.cases)
    func verdictsAgreeWithRealTraffic(backend: String, variants c: Case) throws {
        let lab = try Lab(name: "fw\(backend == "nftables" ? "n" : "i")\(c.index)", backend: backend)
        defer { withExtendedLifetime(lab) {} }
        var done: [String] = []
        for step in c.steps {
            done.append(step)
            let state = "\(backend) backend, \(c.tool) \(done.joined(separator: " then "))"
            let started = try Shell.run(["bash", Lab.script, "firewall", c.tool, step, "--name", lab.name])
            try #require(started.status == 0, "\(state): lab.sh firewall \(c.tool) \(step) failed: \(started.stdout)\(started.stderr)")
            let traffic = try Self.truth(lab)
            let out = try lab.vnetaudit(["check", "--format", "json"])
            try #require([0, 1, 3].contains(out.status), "\(state): check could not run: \(out.stderr)")
            let report = try ModelJSON.decoder().decode(AuditReport.self, from: Data(out.stdout.utf8))
            #expect(Set(report.networks.map(\.name)) == ["default", "nat6", "routed", "isolated", "open", "hostbridge"],
                    "\(state): networks \(report.networks.map(\.name))")
            for network in report.networks {
                let mine = traffic.filter { $0.network == network.name }
                #expect(!mine.isEmpty, "\(state): no traffic check for network \(network.name)")
                let broken = mine.filter { !$0.works }.map(\.name)
                let notPassing = network.checks.filter { $0.status != .pass }
                    .map { "\($0.id)[\($0.family?.rawValue ?? "-")] \($0.status.rawValue): \($0.message)" }
                if broken.isEmpty {
                    // No false failure, and no rule shape of these tools left undecided.
                    #expect(network.verdict == .pass || network.verdict == .warn,
                            "\(state): network \(network.name) works in real traffic, but check says \(network.verdict.rawValue): \(notPassing)")
                } else {
                    let caught = network.mode == .open ? network.verdict >= .warn && network.verdict != .inconclusive
                                                       : network.verdict == .fail
                    #expect(caught, "\(state): network \(network.name) is broken in real traffic (\(broken)), but check says \(network.verdict.rawValue): \(notPassing)")
                }
            }
        }
    }

    /// The lab's selftest (by section: each check belongs to the network its section names), then DNS and
    /// DHCP from the guests of `services`, and the open guest's connection to the routed guest (which
    /// libvirt refuses: a routed network forwards to and from its `dev` only), all nine probes at once.
    static func truth(_ lab: Lab) throws -> [TrafficCheck] {
        var checks = try selftest(lab.name)
        var script = """
            probe() { id=$1; shift; out=$("$@" 2>&1); rc=$?; printf '%s|%s|%s\\n' "$id" "$rc" "$(printf '%s' "$out" | tr '\\n' ' ')"; }
            dns() { out=$("$@" 2>&1); case $out in *rcode=*) ;; *) out=$("$@" 2>&1) ;; esac; printf '%s\\n' "$out"; }

            """
        for (i, s) in services.enumerated() {
            let guest = "bash '\(Lab.script)' guest --name \(lab.name) \(s.guest) -- /usr/bin/python3 '\(probe)'"
            // a loaded machine can delay an answer: one retry
            script += "probe dns\(i) dns \(guest) dns \(s.gateway) probe.lab --timeout 5 &\n"
            script += "probe dhcp\(i) \(guest) dhcp eth0 &\n"
        }
        // <forward mode='route' dev='eth-up'>: libvirt forwards the routed subnet to and from eth-up only
        script += "probe blocked0 bash '\(Lab.script)' guest --name \(lab.name) open -- /usr/bin/python3 '\(probe)' tcp 192.168.130.11 8080 --timeout 1.5 &\n"
        script += "wait\n"
        let out = try Shell.run(["bash", "-c", script])
        for line in out.stdout.split(separator: "\n") {
            let fields = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            if fields.count == 3, fields[0] == "blocked0" {
                checks.append(TrafficCheck(network: "routed", name: "open -> routed tcp blocked (forward dev eth-up only)", works: fields[1] != "0"))
                continue
            }
            guard fields.count == 3, let i = Int(fields[0].drop { !$0.isNumber }), services.indices.contains(i) else { continue }
            let s = services[i]
            if fields[0].hasPrefix("dns") {
                // any answer (NXDOMAIN included) proves dnsmasq on the gateway is reachable
                checks.append(TrafficCheck(network: s.network, name: "\(s.guest) DNS answered by \(s.gateway)", works: fields[2].contains("rcode=")))
            } else {
                checks.append(TrafficCheck(network: s.network, name: "\(s.guest) DHCP offer", works: fields[1] == "0"))
            }
        }
        let extra = checks.count - 28
        if extra != 2 * services.count + 1 {
            throw Shell.Failure(command: ["bash", "-c", script], status: out.status, stderr: "\(extra) of \(2 * services.count + 1) probes reported: \(out.stdout)\(out.stderr)")
        }
        return checks
    }

    /// `lab.sh selftest`: "  ok    NAME" / "  FAIL  NAME: detail" lines under a section line naming the
    /// network in quotes ("nat network 'default' (virbr0):").
    static func selftest(_ name: String) throws -> [TrafficCheck] {
        let out = try Shell.run(["bash", Lab.script, "selftest", "--name", name])
        var network = ""
        var checks: [TrafficCheck] = []
        for line in out.stdout.split(separator: "\n").map(String.init) {
            if !line.hasPrefix(" "), line.hasSuffix(":"), let open = line.firstIndex(of: "'") {
                let rest = line[line.index(after: open)...]
                if let close = rest.firstIndex(of: "'") { network = String(rest[..<close]) }
            } else if line.hasPrefix("  ok    ") {
                checks.append(TrafficCheck(network: network, name: String(line.dropFirst(8)), works: true))
            } else if line.hasPrefix("  FAIL  ") {
                let rest = line.dropFirst(8)
                let checkName = rest.range(of: ": ").map { String(rest[..<$0.lowerBound]) } ?? String(rest)
                checks.append(TrafficCheck(network: network, name: checkName, works: false))
            }
        }
        if checks.count < 28 {
            throw Shell.Failure(command: ["lab.sh", "selftest", "--name", name], status: out.status, stderr: out.stdout + out.stderr)
        }
        return checks
    }
}
