import Foundation
import Testing
import VNetCapture
import VNetCollect
import VNetPackets
import VNetTestSupport

/// Two namespaces joined by two veth pairs: `near` holds va (192.0.2.1) and vc (198.51.100.1), the
/// capture side; `far` holds their peers and pings across both.
private struct VethPairs {
    let near: TemporaryNamespace
    let far: TemporaryNamespace

    init() throws {
        near = try TemporaryNamespace("cs-near")
        far = try TemporaryNamespace("cs-far")
        try near.exec(["ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", far.name])
        try near.exec(["ip", "link", "add", "vc", "type", "veth", "peer", "name", "vd", "netns", far.name])
        try near.sh("ip addr add 192.0.2.1/24 dev va && ip link set va up && ip addr add 198.51.100.1/24 dev vc && ip link set vc up")
        try far.sh("ip addr add 192.0.2.2/24 dev vb && ip link set vb up && ip addr add 198.51.100.2/24 dev vd && ip link set vd up")
    }

    /// Pings both near addresses from the far side in the background, for `seconds`.
    func pingBoth(seconds: Int) throws -> [Process] {
        try ["192.0.2.1", "198.51.100.1"].map { address in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            p.arguments = ["netns", "exec", far.name, "ping", "-q", "-i", "0.1", "-w", "\(seconds)", address]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
    }
}

/// A session spooling into `spool`.
private func session(_ targets: [CaptureSession.Target], _ spool: CaptureSpoolDirectory) -> CaptureSession {
    CaptureSession(targets: targets, spoolDirectory: spool.path)
}

/// A result's capture with its frames read back from its spool file.
private func withFrames(_ result: CaptureSession.Result) throws -> InterfaceCapture {
    var capture = result.capture
    if let file = result.spoolFile {
        capture.frames = try CaptureFile.read(path: file, interface: capture.interface).capture.frames
    }
    return capture
}

/// Runs `body` on a thread inside `namespace` (where the session's threads are then created).
private func inNamespace<T: Sendable>(_ namespace: TemporaryNamespace, _ body: @escaping @Sendable () throws -> T) throws -> T {
    try NetworkNamespace.run(named: namespace.name, body)
}

@Suite(.enabled(if: Shell.isRoot, "needs root for network namespaces and live capture"), .serialized)
struct CaptureSessionTests {
    @Test func framesArriveOnEveryInterfaceWithNanosecondTimestampsAndCounters() throws {
        let pairs = try VethPairs()
        let spool = try CaptureSpoolDirectory()
        let session = session([.init(interface: "va", filter: "icmp"), .init(interface: "vc", filter: "icmp")], spool)
        try inNamespace(pairs.near) { try session.start(seconds: 1.5) }
        let pings = try pairs.pingBoth(seconds: 1)
        let results = session.results()
        let captures = try results.map(withFrames)
        #expect(results.map(\.frameCount) == captures.map(\.frames.count))
        pings.forEach { $0.waitUntilExit() }
        #expect(captures.map(\.interface) == ["va", "vc"])
        for capture in captures {
            #expect(capture.end == .completed)
            #expect(capture.source == "live")
            #expect(capture.linkType == .ethernet)
            // ~10 requests and their replies in a second of pinging.
            #expect(capture.frames.count >= 10, "\(capture.interface): \(capture.frames.count) frames")
            let counters = try #require(capture.counters)
            #expect(counters.received >= UInt64(capture.frames.count))
            #expect(counters.dropped == 0)
            let stamps = capture.frames.map(\.timestampNanoseconds)
            #expect(stamps == stamps.sorted())
            #expect(stamps.allSatisfy { $0 >= capture.startedAtNanoseconds && $0 <= capture.endedAtNanoseconds })
            // Nanosecond precision: microsecond stamps would all end in 000.
            #expect(stamps.contains { $0 % 1000 != 0 }, "timestamps look like microseconds")
            let elapsed = Double(capture.endedAtNanoseconds - capture.startedAtNanoseconds) / 1e9
            #expect(elapsed >= 1.4 && elapsed < 3)
        }
    }

    @Test func aDeletedInterfaceEndsOnlyItsOwnCaptureAsVanished() throws {
        let pairs = try VethPairs()
        let spool = try CaptureSpoolDirectory()
        let session = session([.init(interface: "va"), .init(interface: "vc")], spool)
        try inNamespace(pairs.near) { try session.start(seconds: 3) }
        let pings = try pairs.pingBoth(seconds: 3)
        usleep(800_000)
        _ = try pairs.near.exec(["ip", "link", "del", "vc"])
        let deletedAt = Date()
        while !(session.progress.first { $0.interface == "vc" }?.finished ?? true) && Date().timeIntervalSince(deletedAt) < 2 {
            usleep(20_000)
        }
        #expect(Date().timeIntervalSince(deletedAt) < 1, "the vanished interface's capture must end promptly")
        #expect(session.progress.first { $0.interface == "va" }?.finished == false, "the other capture goes on")
        let captures = try session.results().map(withFrames)
        pings.forEach { $0.waitUntilExit() }
        let va = try #require(captures.first { $0.interface == "va" })
        let vc = try #require(captures.first { $0.interface == "vc" })
        #expect(va.end == .completed)
        #expect(vc.end == .interfaceVanished)
        #expect(vc.frames.count > 0, "frames seen before the deletion are kept")
        #expect(va.endedAtNanoseconds > vc.endedAtNanoseconds + 1_000_000_000)
    }

    @Test func stopEndsEveryCapturePromptlyAsInterrupted() throws {
        let pairs = try VethPairs()
        let spool = try CaptureSpoolDirectory()
        let session = session([.init(interface: "va"), .init(interface: "vc")], spool)
        try inNamespace(pairs.near) { try session.start(seconds: 30) }
        usleep(300_000)
        let stoppedAt = Date()
        session.stop()
        let captures = session.results().map(\.capture)
        #expect(Date().timeIntervalSince(stoppedAt) < 0.5)
        #expect(captures.map(\.end) == [.interrupted, .interrupted])
        #expect(captures.allSatisfy { $0.counters != nil })
    }

    @Test func anInterfaceThatIsNotThereEndsAsVanishedWithoutStoppingTheOthers() throws {
        let pairs = try VethPairs()
        let spool = try CaptureSpoolDirectory()
        let session = session([.init(interface: "va"), .init(interface: "gone0")], spool)
        try inNamespace(pairs.near) { try session.start(seconds: 0.5) }
        let results = session.results()
        #expect(results.map(\.capture.end) == [.completed, .interfaceVanished])
        #expect(results.map { $0.spoolFile != nil } == [true, false])
    }

    @Test func everyFrameGoesToASpoolFileInTheHandlesFormatAndTheDirectoryGoesWithItsOwner() throws {
        let pairs = try VethPairs()
        var spool: CaptureSpoolDirectory? = try CaptureSpoolDirectory()
        let directory = try #require(spool?.path)
        #expect(directory.hasPrefix((ProcessInfo.processInfo.environment["TMPDIR"] ?? "/var/tmp") + "/vnetaudit-capture-"))
        let mode = try #require(FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int)
        #expect(mode == 0o700, "the spool directory is private")
        let session = CaptureSession(targets: [.init(interface: "va", filter: "icmp")], spoolDirectory: directory)
        try inNamespace(pairs.near) { try session.start(seconds: 1.2) }
        let pings = try pairs.pingBoth(seconds: 1)
        let result = try #require(session.results().first)
        pings.forEach { $0.waitUntilExit() }
        let file = try #require(result.spoolFile)
        #expect(file.hasPrefix(directory + "/"))
        let read = try CaptureFile.read(path: file, interface: "va")
        #expect(!read.truncatedLastRecord)
        #expect(read.capture.frames.count == result.frameCount && result.frameCount >= 10)
        // libpcap's counters agree with what reached the file: nothing lost between the ring and the disk.
        let counters = try #require(result.capture.counters)
        #expect(counters.received >= UInt64(result.frameCount) && counters.dropped == 0)
        // The spool keeps the handle's nanosecond stamps and whole frames (ICMP echo: 98 bytes).
        #expect(read.capture.frames.contains { $0.timestampNanoseconds % 1000 != 0 })
        #expect(read.capture.frames.allSatisfy { $0.bytes.count == 98 && $0.originalLength == 98 })
        spool = nil
        #expect(!FileManager.default.fileExists(atPath: directory), "the spool directory is removed with its owner")
    }
}
