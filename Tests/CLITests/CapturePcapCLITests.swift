import Foundation
import Testing
import VNetTestSupport

/// A classic little-endian microsecond pcap of Ethernet frames, written by hand (the CLI tests do not
/// link the capture code they test).
func pcapBytes(frames: [[UInt8]], linkType: UInt32 = 1, corruptLastLength: UInt32? = nil) -> [UInt8] {
    func le(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
    var out = le(0xa1b2_c3d4) + [2, 0, 4, 0] + le(0) + le(0) + le(262_144) + le(linkType)
    for (i, frame) in frames.enumerated() {
        let length = i == frames.count - 1 ? corruptLastLength ?? UInt32(frame.count) : UInt32(frame.count)
        out += le(1_700_000_000 + UInt32(i)) + le(250_000) + le(length) + le(UInt32(frame.count)) + frame
    }
    return out
}

/// An Ethernet/IPv4/UDP frame (checksums zero) 192.0.2.1 -> 192.0.2.2, destination port `port`.
func udpFrame(port: UInt16) -> [UInt8] {
    var f: [UInt8] = [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]
    f += [0x45, 0, 0, 33, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]
    f += [0x9c, 0x40, UInt8(port >> 8), UInt8(port & 0xff), 0, 13, 0, 0] + Array("hello".utf8)
    return f
}

/// `check --pcap` and the capture options from the outside, on saved files (no root needed).
@Suite final class CapturePcapCLITests {
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-pcap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    private var savedRules: String { CLITests.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    private func check(_ arguments: [String]) throws -> Shell.Output {
        try Shell.run([BuiltProducts.vnetaudit, "check", "--iptables-save", savedRules] + arguments)
    }

    @Test func badCaptureFilesAreExit2NamingTheFile() throws {
        let garbage = try file("garbage.pcap", Array("not a capture file, not at all".utf8))
        let missing = directory.appendingPathComponent("missing.pcap").path
        let corrupt = try file("corrupt.pcap", pcapBytes(frames: [udpFrame(port: 53), udpFrame(port: 67)], corruptLastLength: 0x7fff_ffff))
        let strangeLink = try file("link147.pcap", pcapBytes(frames: [udpFrame(port: 53)], linkType: 147))
        for path in [garbage, missing, corrupt, strangeLink] {
            let out = try check(["--pcap", "eth0=\(path)", "--format", "json"])
            #expect(out.status == 2, "\(path): \(out.stderr)")
            #expect(out.stderr.contains(path), "\(out.stderr)")
            #expect(out.stdout.isEmpty)
        }
    }

    @Test func aCaptureCutInsideItsLastRecordIsJudgedUpToTheCutAndSaysSo() throws {
        // Ports no decoder reads past UDP: every whole frame decodes cleanly.
        let whole = pcapBytes(frames: [udpFrame(port: 40001), udpFrame(port: 40002), udpFrame(port: 40003)])
        let cut = try file("cut.pcap", Array(whole.dropLast(10)))
        let out = try check(["--pcap", "eth0=\(cut)", "--format", "json"])
        #expect(out.status == 3, "\(out.stderr)")
        #expect(try JSONSchemaValidator.errors(of: out.stdout, against: "check-report.schema.json") == [])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let capture = try #require(report["capture"] as? [String: Any])
        #expect(capture["source"] as? String == "files")
        let interface = try #require((capture["interfaces"] as? [[String: Any]])?.first)
        #expect(interface["interface"] as? String == "eth0")
        #expect(interface["source"] as? String == cut)
        #expect(interface["frames"] as? Int == 2)
        #expect(interface["truncatedLastRecord"] as? Bool == true)
        #expect(interface["counters"] == nil, "a file cannot say what it missed")
        #expect(interface["end"] as? String == "completed")
        let decode = try #require(interface["decode"] as? [String: Int])
        #expect(decode["decoded"] == 2)
        #expect(report["interrupted"] as? Bool == false)
    }

    @Test func captureOptionsAreValidated() throws {
        let good = try file("good.pcap", pcapBytes(frames: [udpFrame(port: 53)]))
        let cases: [([String], String)] = [
            (["--capture", "0s"], "--capture"),
            (["--capture", "ten"], "--capture"),
            (["--capture", "25h"], "--capture"),
            (["--capture", "5s"], "--capture watches the live host"),
            (["--pcap", "no-equals-sign"], "--pcap"),
            (["--pcap", "eth0=\(good)", "--pcap", "eth0=\(good)"], "twice"),
        ]
        for (arguments, message) in cases {
            let out = try check(arguments)
            #expect(out.status == 2, "\(arguments): \(out.stderr)")
            #expect(out.stderr.contains(message), "\(arguments): \(out.stderr)")
        }
    }
}
