import Foundation
import Testing
import VNetTestSupport

/// `check --pcap` streams classic pcap files and still reads what only libpcap reads (pcapng), the same
/// frames either way.
@Suite final class PcapFormatsCLITests {
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// A little-endian pcapng file: section header, one Ethernet interface, an enhanced packet block per frame.
    private func pcapngBytes(frames: [[UInt8]]) -> [UInt8] {
        func le(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        var out = le(0x0a0d_0d0a) + le(28) + le(0x1a2b_3c4d) + [1, 0, 0, 0] + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] + le(28)
        out += le(1) + le(20) + [1, 0, 0, 0] + le(0) + le(20)
        for (i, frame) in frames.enumerated() {
            let padded = frame + [UInt8](repeating: 0, count: (4 - frame.count % 4) % 4)
            let length = UInt32(32 + padded.count)
            let stamp = UInt64(1_700_000_000 + i) * 1_000_000
            out += le(6) + le(length) + le(0) + le(UInt32(stamp >> 32)) + le(UInt32(stamp & 0xffff_ffff))
            out += le(UInt32(frame.count)) + le(UInt32(frame.count)) + padded + le(length)
        }
        return out
    }

    private func frames(of path: String) throws -> Int? {
        let rules = CLITests.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path
        let out = try Shell.run([BuiltProducts.vnetaudit, "check", "--iptables-save", rules, "--pcap", "eth0=\(path)", "--format", "json"])
        #expect(out.status != 2, "\(out.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let capture = try #require(report["capture"] as? [String: Any])
        return (capture["interfaces"] as? [[String: Any]])?.first?["frames"] as? Int
    }

    @Test func pcapngIsReadAsTheSameFramesAsClassicPcap() throws {
        let sent = (0..<5).map { udpFrame(port: 40000 + UInt16($0)) }
        let classic = directory.appendingPathComponent("classic.pcap"), next = directory.appendingPathComponent("next.pcapng")
        try Data(pcapBytes(frames: sent)).write(to: classic)
        try Data(pcapngBytes(frames: sent)).write(to: next)
        #expect(try frames(of: classic.path) == 5)
        #expect(try frames(of: next.path) == 5)
    }
}
