import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Test fixtures only: set up namespaces, load rule sets, compare with system tools. Live state is
/// never read this way by the tool itself.
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public let command: [String]
        public let status: Int32
        public let stderr: String
        public init(command: [String], status: Int32, stderr: String) {
            self.command = command
            self.status = status
            self.stderr = stderr
        }
        public var description: String { "\(command.joined(separator: " ")) exited \(status): \(stderr)" }
    }

    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs a command (looked up in PATH) and returns its status and output.
    ///
    /// posix_spawn + a blocking waitpid on this thread, not Foundation's Process: Process on Linux
    /// was seen to miss the exit of children run from parallel tests, leaving zombies and a hung
    /// test. Output goes through temporary files, not pipes, so a command that leaves a daemon
    /// behind (the lab starts libvirtd and dnsmasq) cannot keep the read open.
    @discardableResult
    public static func run(_ command: [String], input: String? = nil) throws -> Output {
        let dir = FileManager.default.temporaryDirectory.path
        let base = "\(dir)/vnetaudit-shell-\(getpid())-\(UUID().uuidString)"
        let paths = (in: base + ".in", out: base + ".out", err: base + ".err")
        defer { for p in [paths.in, paths.out, paths.err] { unlink(p) } }
        guard FileManager.default.createFile(atPath: paths.in, contents: Data((input ?? "").utf8)) else {
            throw Failure(command: command, status: -1, stderr: "cannot create \(paths.in)")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, paths.in, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, paths.out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, paths.err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        var env = ProcessInfo.processInfo.environment
        env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" + (env["PATH"] ?? "")
        let argv = (["/usr/bin/env"] + command).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, envp)
        guard rc == 0 else {
            throw Failure(command: command, status: -1, stderr: "posix_spawn: \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { break }
        }
        // WIFEXITED / WEXITSTATUS, spelled out (they are macros in C).
        let exited = status & 0x7f == 0
        let code: Int32 = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let stdout = FileManager.default.contents(atPath: paths.out) ?? Data()
        let stderr = FileManager.default.contents(atPath: paths.err) ?? Data()
        return Output(status: code, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs a command and throws unless it exits 0; returns stdout.
    @discardableResult
    public static func check(_ command: [String], input: String? = nil) throws -> String {
        let o = try run(command, input: input)
        guard o.status == 0 else { throw Failure(command: command, status: o.status, stderr: o.stderr) }
        return o.stdout
    }

    /// The contents of a gzipped text file (the lab's saved host states, `*.json.gz`).
    public static func gunzip(_ path: String) throws -> Data {
        Data(try check(["gzip", "-dc", path]).utf8)
    }

    public static var isRoot: Bool { getuid() == 0 }

    /// True when `name` is an executable on PATH.
    public static func has(_ name: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(name)"]).status) == 0
    }
}

/// A network namespace that exists for the lifetime of the value (`ip netns add` / `ip netns del`).
/// Names are unique per process so parallel tests cannot collide.
public final class TemporaryNamespace: @unchecked Sendable {
    public let name: String
    private static let counter = Counter()

    public init(_ label: String = "t") throws {
        name = "vnat-\(label)-\(getpid())-\(TemporaryNamespace.counter.next())"
        try Shell.check(["ip", "netns", "add", name])
        try Shell.check(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    /// Runs a command inside the namespace; throws unless it exits 0.
    @discardableResult
    public func exec(_ command: [String], input: String? = nil) throws -> String {
        try Shell.check(["ip", "netns", "exec", name] + command, input: input)
    }

    /// Runs a shell script inside the namespace.
    @discardableResult
    public func sh(_ script: String) throws -> String {
        try exec(["sh", "-ec", script])
    }

    deinit {
        _ = try? Shell.run(["ip", "netns", "del", name])
    }
}

private final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value
    }
}

/// Where the package's built products live, found from the running test bundle.
public enum BuiltProducts {
    /// `.build/debug` (or the --scratch-path equivalent) holding `vnetaudit`.
    public static var directory: URL {
        var url = Bundle.main.bundleURL
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("vnetaudit").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent()
    }

    public static var vnetaudit: String { directory.appendingPathComponent("vnetaudit").path }
}
