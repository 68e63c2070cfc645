import Foundation
import Testing
import VNetJudge
import VNetModel
import VNetTestSupport

/// `FleetReport.merge` over real check reports of the lab's host states (healthy and broken, both backends).
@Suite struct FleetMergeTests {
    /// Three hosts: a healthy nftables lab, an iptables lab without masquerade, an nftables lab whose
    /// isolated network is open.
    static func threeHosts() throws -> [FleetInput] {
        [
            FleetInput(report: try FleetFixtures.report("nftables-healthy", hostname: "hv-a"), file: "hv-a.json"),
            FleetInput(report: try FleetFixtures.report("iptables-masquerade-removed", hostname: "hv-b"), file: "hv-b.json"),
            FleetInput(report: try FleetFixtures.report("nftables-isolation-broken", hostname: "hv-c"), file: "hv-c.json"),
        ]
    }

    @Test func hostsNetworksVerdictsAndTotalsComeFromTheReports() throws {
        let inputs = try Self.threeHosts()
        let fleet = FleetReport.merge(inputs, version: "9.9.9", generatedAt: Date(timeIntervalSince1970: 1_900_000_000.7))
        #expect(Set(fleet.hosts.map(\.hostname)) == ["hv-a", "hv-b", "hv-c"])
        #expect(fleet.superseded.isEmpty)
        #expect(fleet.kind == "fleet" && fleet.tool.version == "9.9.9")
        #expect(fleet.generatedAt == Date(timeIntervalSince1970: 1_900_000_000))
        for input in inputs {
            let report = input.report
            let host = try #require(fleet.hosts.first { $0.hostname == report.host.hostname })
            #expect(host.verdict == report.verdict)
            #expect(host.source == report.host.source && host.reportFile == input.file)
            #expect(host.libvirtFirewallBackend == report.host.libvirtFirewallBackend)
            #expect(host.networks.map(\.name) == report.networks.map(\.name))
            for network in report.networks {
                let merged = try #require(host.networks.first { $0.name == network.name })
                #expect(merged.verdict == network.verdict && merged.mode == network.mode)
                #expect(merged.checks.map(\.id) == network.checks.filter { $0.status != .pass }.map(\.id))
                #expect(merged.checkCounts.total == network.checks.count)
            }
            #expect(host.checkCounts == StatusCounts(report.summary.checks))
        }
        #expect(fleet.verdict == CheckStatus.worst(inputs.map(\.report.verdict)))
        #expect(fleet.totals.hosts == StatusCounts(inputs.map(\.report.verdict)))
        #expect(fleet.totals.networks == StatusCounts(inputs.flatMap { $0.report.networks.map(\.verdict) }))
        #expect(fleet.totals.checks.total == inputs.map { $0.report.networks.flatMap(\.checks).count + $0.report.hostFindings.count }.reduce(0, +))
        // Hosts worst first.
        #expect(fleet.hosts.map(\.verdict) == fleet.hosts.map(\.verdict).sorted(by: >))
        #expect(fleet.exitCode == (fleet.verdict == .fail ? 1 : fleet.verdict == .inconclusive ? 3 : 0))
    }

    @Test func whatFailsWhereNamesEveryNonPassCheckAtEverySiteAndNothingElse() throws {
        let inputs = try Self.threeHosts()
        let fleet = FleetReport.merge(inputs, version: "0")
        struct Site: Hashable { var id: String; var family: AddressFamily?; var host: String; var network: String?; var status: CheckStatus }
        var expected: Set<Site> = []
        for input in inputs {
            let name = input.report.host.hostname
            for network in input.report.networks {
                for check in network.checks where check.status != .pass {
                    expected.insert(Site(id: check.id, family: check.family, host: name, network: network.name, status: check.status))
                }
            }
            for check in input.report.hostFindings where check.status != .pass {
                expected.insert(Site(id: check.id, family: check.family, host: name, network: nil, status: check.status))
            }
        }
        let listed = fleet.failingChecks.flatMap { check in
            check.sites.map { Site(id: check.id, family: check.family, host: $0.host, network: $0.network, status: $0.status) }
        }
        #expect(Set(listed) == expected)
        #expect(listed.count == expected.count, "each site once")
        for check in fleet.failingChecks {
            #expect(check.worst == CheckStatus.worst(check.sites.map(\.status)))
        }
        #expect(fleet.failingChecks.map(\.worst) == fleet.failingChecks.map(\.worst).sorted(by: >))

        // The breaks show where they were made, and nowhere healthy.
        let failing = fleet.failingChecks.filter { $0.worst == .fail }.flatMap { c in c.sites.filter { $0.status == .fail }.map { ($0.host, $0.network) } }
        #expect(failing.contains { $0 == ("hv-b", "default") }, "masquerade removed on hv-b's default network")
        #expect(failing.contains { $0 == ("hv-c", "isolated") }, "isolation broken on hv-c")
        #expect(!failing.contains { $0.0 == "hv-a" }, "the healthy host fails nothing")
        #expect(!failing.contains { $0 == ("hv-b", "isolated") })
    }

    @Test func aHostGivenTwiceCountsOnceByItsNewestReport() throws {
        let older = FleetInput(report: try FleetFixtures.report("nftables-masquerade-removed", hostname: "hv-a",
                                                                 generatedAt: Date(timeIntervalSince1970: 1_800_000_000)), file: "old.json")
        let newer = FleetInput(report: try FleetFixtures.report("nftables-healthy", hostname: "hv-a",
                                                                 generatedAt: Date(timeIntervalSince1970: 1_800_003_600)), file: "new.json")
        let other = FleetInput(report: try FleetFixtures.report("iptables-healthy", hostname: "hv-b"), file: "b.json")
        for order in [[older, other, newer], [newer, other, older]] {
            let fleet = FleetReport.merge(order, version: "0")
            #expect(fleet.hosts.map(\.hostname).sorted() == ["hv-a", "hv-b"])
            let a = try #require(fleet.hosts.first { $0.hostname == "hv-a" })
            #expect(a.reportFile == "new.json" && a.verdict == newer.report.verdict)
            let dropped = try #require(fleet.superseded.first)
            #expect(fleet.superseded.count == 1)
            #expect(dropped.hostname == "hv-a" && dropped.reportFile == "old.json" && dropped.generatedAt == older.report.generatedAt)
            #expect(dropped.keptReportFile == "new.json" && dropped.keptGeneratedAt == newer.report.generatedAt)
            #expect(!fleet.failingChecks.contains { $0.sites.contains { $0.host == "hv-a" && $0.status == .fail } },
                    "the older, broken report of hv-a is not judged")
        }
        // Equally new: the one given later counts.
        let twin = FleetInput(report: older.report, file: "again.json")
        #expect(FleetReport.merge([older, twin], version: "0").hosts.map(\.reportFile) == ["again.json"])
    }

    @Test func badFilesAreRefusedNamingTheFile() throws {
        let good = try FleetFixtures.json(try FleetFixtures.report("nftables-healthy", hostname: "hv-a"))
        #expect(try FleetInput.decode(good, file: "ok.json").report.host.hostname == "hv-a")

        func problem(_ data: Data, _ file: String) -> String? {
            do {
                _ = try FleetInput.decode(data, file: file)
                return nil
            } catch {
                #expect(error.file == file && error.description.hasPrefix("\(file): "))
                return error.problem
            }
        }
        #expect(problem(Data("not json".utf8), "a.txt")?.contains("not a JSON object") == true)
        #expect(problem(Data("[1, 2]".utf8), "array.json")?.contains("not a JSON object") == true)
        #expect(problem(Data(#"{"hostname": "x"}"#.utf8), "other.json")?.contains("not a vnetaudit check report") == true)

        var object = try #require(try JSONSerialization.jsonObject(with: good) as? [String: Any])
        object["schemaVersion"] = 2
        let future = try JSONSerialization.data(withJSONObject: object)
        #expect(problem(future, "future.json")?.contains("schema version 2 is not supported") == true)

        object["schemaVersion"] = 1
        object["verdict"] = "exploded"
        let corrupt = try JSONSerialization.data(withJSONObject: object)
        let message = problem(corrupt, "corrupt.json")
        #expect(message?.contains("not a valid check report") == true && message?.contains("verdict") == true, "\(message ?? "")")

        let fleet = try ModelJSON.encoder().encode(FleetReport.merge([try FleetInput.decode(good, file: "ok.json")], version: "0"))
        #expect(problem(fleet, "fleet.json")?.contains("a fleet report, not a check report") == true)
    }

    @Test func jsonMatchesTheSchemaAndReadsBack() throws {
        var inputs = try Self.threeHosts()
        inputs.append(FleetInput(report: try FleetFixtures.report("nftables-healthy", hostname: "hv-a", generatedAt: Date(timeIntervalSince1970: 1_700_000_000)),
                                 file: "older-a.json"))
        inputs[0].htmlFile = "hv-a.html"
        let fleet = FleetReport.merge(inputs, version: "0.1.0")
        #expect(fleet.superseded.count == 1)
        let data = try ModelJSON.encoder().encode(fleet)
        let text = String(decoding: data, as: UTF8.self)
        #expect(try JSONSchemaValidator.errors(of: text, against: "fleet-report.schema.json") == [])
        #expect(try ModelJSON.decoder().decode(FleetReport.self, from: data) == fleet)

        // The schema is not a rubber stamp: a missing part and a wrong status are errors.
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object.removeValue(forKey: "hosts")
        object["verdict"] = "maybe"
        let broken = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let errors = try JSONSchemaValidator.errors(of: broken, against: "fleet-report.schema.json")
        #expect(errors.contains { $0.contains("hosts") } && errors.contains { $0.hasPrefix("verdict") }, "\(errors)")
    }
}
