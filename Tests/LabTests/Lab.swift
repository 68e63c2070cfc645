import Foundation
import VNetModel
import VNetTestSupport

/// One running lab (lab/lab.sh): real libvirtd in network namespaces with networks of every mode.
/// Brought up in init, always torn down in deinit, so a failing test leaves nothing behind.
final class Lab: @unchecked Sendable {
    let name: String
    let backend: String

    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = repository.appendingPathComponent("lab/lab.sh").path

    /// Root, and the lab's tools installed (scripts/install-deps.sh).
    static var available: Bool {
        Shell.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/sbin/libvirtd")
    }

    init(name: String, backend: String) throws {
        self.name = name
        self.backend = backend
        _ = try? Shell.run(["bash", Lab.script, "down", "--name", name])
        do {
            try Shell.check(["bash", Lab.script, "up", "--backend", backend, "--name", name])
        } catch {
            _ = try? Shell.run(["bash", Lab.script, "down", "--name", name])
            throw error
        }
    }

    deinit {
        _ = try? Shell.run(["bash", Lab.script, "down", "--name", name])
    }

    /// Runs a command on the lab's hypervisor (its network namespace and libvirtd's mount namespace).
    @discardableResult
    func hypervisor(_ command: [String]) throws -> String {
        try Shell.check(["bash", Lab.script, "exec", "--name", name, "--"] + command)
    }

    func hypervisorRun(_ command: [String]) throws -> Shell.Output {
        try Shell.run(["bash", Lab.script, "exec", "--name", name, "--"] + command)
    }

    func vnetaudit(_ arguments: [String]) throws -> Shell.Output {
        try hypervisorRun([BuiltProducts.vnetaudit] + arguments)
    }

    /// The live model read by the real binary on the hypervisor.
    func liveModel() throws -> HostState {
        let out = try vnetaudit(["show", "--format", "json"])
        guard out.status == 0 else { throw Shell.Failure(command: ["vnetaudit", "show"], status: out.status, stderr: out.stderr) }
        return try ModelJSON.decoder().decode(HostState.self, from: Data(out.stdout.utf8))
    }

    func breakState(_ cause: String) throws {
        try Shell.check(["bash", Lab.script, "break", cause, "--name", name])
    }
}
