import Foundation

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

    /// Runs a command (looked up in PATH) and returns its status and output. Output goes through
    /// temporary files, not pipes: a command that leaves a daemon behind (the lab starts libvirtd and
    /// dnsmasq) would keep a pipe open forever, while a file is simply read once the command exits.
    @discardableResult
    public static func run(_ command: [String], input: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = command
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" + (env["PATH"] ?? "")
        p.environment = env
        let dir = FileManager.default.temporaryDirectory
        let outURL = dir.appendingPathComponent("vnetaudit-shell-\(UUID().uuidString).out")
        let errURL = dir.appendingPathComponent("vnetaudit-shell-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        let inp = Pipe()
        p.standardInput = input == nil ? FileHandle.nullDevice : inp
        try p.run()
        try? out.close()
        try? err.close()
        if let input {
            inp.fileHandleForWriting.write(Data(input.utf8))
            try? inp.fileHandleForWriting.close()
        }
        p.waitUntilExit()
        let stdout = (try? Data(contentsOf: outURL)) ?? Data()
        let stderr = (try? Data(contentsOf: errURL)) ?? Data()
        return Output(status: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs a command and throws unless it exits 0; returns stdout.
    @discardableResult
    public static func check(_ command: [String], input: String? = nil) throws -> String {
        let o = try run(command, input: input)
        guard o.status == 0 else { throw Failure(command: command, status: o.status, stderr: o.stderr) }
        return o.stdout
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
