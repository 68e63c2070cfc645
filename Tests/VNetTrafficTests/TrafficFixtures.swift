import Foundation
import VNetJudge
import VNetModel
import VNetTestSupport
import VNetPackets
import VNetTraffic

/// The lab fixtures (Fixtures/capture-lab.sh): per backend and lab state (`nftables-healthy`), the host as `vnetaudit show --format json`
/// (gzipped) and pcap files of virbr0, virbr2, virbr3, vnet6, eth-br and eth-up.
enum TrafficFixtures {
    static let interfaces = ["virbr0", "virbr2", "virbr3", "vnet6", "eth-br", "eth-up"]

    static func url(_ path: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(path)", withExtension: nil) else {
            throw FixtureError("no fixture \(path)")
        }
        return url
    }

    static func host(_ state: String = "nftables-healthy") throws -> HostState {
        try ModelJSON.decoder().decode(HostState.self, from: try Shell.gunzip(try url("lab/\(state)/host.json.gz").path))
    }

    static func captures(_ state: String) throws -> [InterfaceCapture] {
        try interfaces.map { name in
            let url = try url("lab/\(state)/\(name).pcap")
            return try PcapFile.capture(interface: name, path: url.path, bytes: [UInt8](try Data(contentsOf: url)))
        }
    }

    /// The scope of the lab tests: the networks whose interfaces were captured.
    static func scope(_ host: HostState) -> AuditScope {
        AuditScope(host: host, networks: host.libvirt.networks.filter { ["default", "routed", "isolated", "hostbridge"].contains($0.name) })
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
