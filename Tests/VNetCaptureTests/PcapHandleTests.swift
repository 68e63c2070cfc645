import Foundation
import Testing
@testable import VNetCapture
import VNetPackets
import VNetCollect
import VNetTestSupport

/// A minimal Ethernet/IPv4/UDP frame (checksums zero) from 192.0.2.1:40000 to 192.0.2.2:`port`.
func udpFrame(port: UInt16, payload: [UInt8] = Array("hello".utf8)) -> [UInt8] {
    let udpLength = 8 + payload.count
    let ipLength = 20 + udpLength
    var f: [UInt8] = [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]
    f += [0x45, 0, UInt8(ipLength >> 8), UInt8(ipLength & 0xff), 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]
    f += [0x9c, 0x40, UInt8(port >> 8), UInt8(port & 0xff), UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0]
    return f + payload
}

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-\(getpid())-\(UUID().uuidString)-\(name)").path
}

@Suite struct PcapFileTests {
    private func writeSample(_ path: String) throws -> [CapturedFrame] {
        let packets = [
            CapturedFrame(timestampNanoseconds: 1_700_000_000_123_456_789, originalLength: 47, bytes: udpFrame(port: 53)),
            CapturedFrame(timestampNanoseconds: 1_700_000_001_000_000_001, originalLength: 47, bytes: udpFrame(port: 67)),
            // Captured shorter than on the wire, like a snap length cut.
            CapturedFrame(timestampNanoseconds: 1_700_000_002_000_000_000, originalLength: 1514, bytes: Array(udpFrame(port: 53).prefix(20))),
        ]
        let writer = try PcapWriter(path: path)
        packets.forEach(writer.write)
        try writer.flush()
        return packets
    }

    private func readAll(_ handle: PcapHandle) throws -> [CapturedFrame] {
        var out: [CapturedFrame] = []
        while case .packet(let p) = try handle.next() { out.append(p) }
        return out
    }

    @Test func writtenPacketsReadBackExactlyWithNanosecondTimestamps() throws {
        let path = temporaryPath("rt.pcap")
        defer { unlink(path) }
        let written = try writeSample(path)
        let handle = try PcapHandle.openOffline(path: path)
        #expect(handle.linkType == 1)
        #expect(try readAll(handle) == written)
        #expect(try handle.next() == .end)
    }

    @Test func filterSelectsOnlyMatchingPackets() throws {
        let path = temporaryPath("filter.pcap")
        defer { unlink(path) }
        _ = try writeSample(path)
        let handle = try PcapHandle.openOffline(path: path)
        try handle.setFilter("udp dst port 67")
        let got = try readAll(handle)
        #expect(got.count == 1)
        #expect(got.first?.bytes == udpFrame(port: 67))
        #expect(throws: PcapError.self) { try handle.setFilter("udp and and") }
    }

    @Test func truncatedFileEndsInAnErrorNotATrap() throws {
        let path = temporaryPath("trunc.pcap")
        defer { unlink(path) }
        _ = try writeSample(path)
        let full = try #require(FileManager.default.contents(atPath: path))
        // Every cut inside the records: the packets before the cut read fine, then an error or the end.
        for length in 24..<full.count {
            try full.prefix(length).write(to: URL(fileURLWithPath: path))
            let handle = try PcapHandle.openOffline(path: path)
            var count = 0
            var outcome = "end"
            loop: while true {
                do {
                    switch try handle.next() {
                    case .packet: count += 1
                    case .end, .timeout: break loop
                    }
                } catch let e as PcapError {
                    outcome = e.message
                    break loop
                }
            }
            #expect(count <= 3)
            if length < full.count && count == 3 { Issue.record("cut at \(length) still gave all packets") }
            _ = outcome
        }
    }

    @Test func garbageAndMissingFilesAreTypedErrors() throws {
        let path = temporaryPath("garbage.pcap")
        defer { unlink(path) }
        try Data("this is not a capture file at all".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PcapError.self) { try PcapHandle.openOffline(path: path) }
        #expect(throws: PcapError.self) { try PcapHandle.openOffline(path: path + ".missing") }
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(throws: PcapError.self) { try PcapHandle.openOffline(path: path) }
    }
}

@Suite(.enabled(if: Shell.isRoot, "needs root for network namespaces and live capture"))
struct PcapLiveTests {
    @Test func liveCaptureSeesTrafficAndSurvivesTheInterfaceVanishing() throws {
        let a = try TemporaryNamespace("cap-a")
        let b = try TemporaryNamespace("cap-b")
        try a.exec(["ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b.name])
        try a.sh("ip addr add 192.0.2.1/24 dev va && ip link set va up")
        try b.sh("ip addr add 192.0.2.2/24 dev vb && ip link set vb up")
        let peer = b.name
        let (requests, stats, afterVanish) = try NetworkNamespace.run(named: a.name) { () throws -> (Int, CaptureStatistics, String) in
            let handle = try PcapHandle.openLive(interface: "va")
            try handle.setFilter("icmp[icmptype] == icmp-echo")
            try Shell.check(["ip", "netns", "exec", peer, "ping", "-c", "3", "-i", "0.2", "-W", "1", "192.0.2.1"])
            var seen = 0
            var idle = 0
            while idle < 5 {
                switch try handle.next() {
                case .packet(let p):
                    seen += 1
                    #expect(p.timestampNanoseconds > 1_600_000_000 * 1_000_000_000)
                case .timeout: idle += 1
                case .end: idle = 5
                }
            }
            let stats = try handle.statistics()
            // The interface goes away under the capture (a guest shut down). The kernel does not wake
            // libpcap's poll for that, so the capture layer watches links and calls stop(): it must
            // end a blocked next() with `.end` or an error, never hang or trap.
            try Shell.check(["ip", "link", "del", "va"])
            let stopper = Thread { usleep(300_000); handle.stop() }
            stopper.start()
            var outcome = "timeout"
            for _ in 0..<50 {
                do {
                    let r = try handle.next()
                    if r == .end { outcome = "end"; break }
                } catch let e as PcapError {
                    outcome = "error: \(e.message)"
                    break
                }
            }
            return (seen, stats, outcome)
        }
        #expect(requests == 3)
        #expect(stats.received >= 3)
        #expect(stats.droppedByKernel == 0)
        #expect(afterVanish != "timeout", "stop() must end a capture whose interface vanished")
    }

    @Test func missingInterfaceIsATypedError() throws {
        let a = try TemporaryNamespace("cap-missing")
        #expect(throws: PcapError.self) {
            try NetworkNamespace.run(named: a.name) { _ = try PcapHandle.openLive(interface: "nope0") }
        }
    }
}
