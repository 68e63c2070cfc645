import Foundation
import Testing
@testable import VNetCollect

/// A dnsmasq that was killed but not reaped keeps its name in /proc: it must not count as running.
@Suite struct ProcessLivenessTests {
    @Test func aZombieIsNotAliveAndARunningProcessIs() throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("30"), nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
        #expect(ProcessLiveness.isAlive(Int(pid)))
        kill(pid, SIGKILL)
        // Not reaped yet: a zombie until waitpid.
        var waited = 0
        while waited < 200, (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z") != true {
            usleep(10_000)
            waited += 1
        }
        #expect(!ProcessLiveness.isAlive(Int(pid)))
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(!ProcessLiveness.isAlive(Int(pid)), "gone entirely")
    }
}
