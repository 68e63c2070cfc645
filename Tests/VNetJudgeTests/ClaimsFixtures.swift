import Foundation
import VNetJudge
import VNetModel
import VNetTestSupport

/// Host states saved from the lab (`lab/lab.sh exec -- vnetaudit show --format json`, gzipped) in
/// Tests/VNetJudgeTests/Fixtures/claims: `BACKEND-STATE.json.gz`.
enum ClaimsFixtures {
    struct Missing: Error { let name: String }

    static func host(_ name: String) throws -> HostState {
        guard let url = Bundle.module.url(forResource: "Fixtures/claims/\(name).json.gz", withExtension: nil) else {
            throw Missing(name: name)
        }
        return try ModelJSON.decoder().decode(HostState.self, from: try Shell.gunzip(url.path))
    }

    /// The claim findings of network `network` of fixture `name`.
    static func findings(_ name: String, network: String) throws -> [Finding] {
        let host = try host(name)
        guard let net = host.libvirt.network(named: network) else { throw Missing(name: "\(name): network \(network)") }
        return ClaimJudge.judge(net, on: host)
    }

    /// The finding `id` of `family` among `findings`.
    static func claim(_ findings: [Finding], _ id: String, _ family: AddressFamily? = nil) -> Finding? {
        findings.first { $0.id == id && (family == nil || $0.family == family) }
    }
}
