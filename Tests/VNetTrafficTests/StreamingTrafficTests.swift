import Foundation
import Testing
import VNetJudge
import VNetModel
import VNetPackets
@testable import VNetTraffic

/// Saved captures streamed frame by frame (OfflineTrafficAnalysis) judge exactly as when read whole, and
/// the streamed state stays bounded however long a flow runs.
@Suite struct StreamingTrafficTests {
    static let states = ["healthy", "masquerade-removed", "isolation-broken", "no-lan-route", "dnsmasq-killed"]
        .flatMap { state in ["nftables", "iptables"].map { "\($0)-\(state)" } }

    @Test(arguments: states) func streamedLabFilesJudgeAsTheWholeCaptures(_ state: String) throws {
        let scope = TrafficFixtures.scope(try TrafficFixtures.host(state))
        let whole = TrafficJudge.judge(scope: scope, captures: try TrafficFixtures.captures(state))
        let files = try TrafficFixtures.interfaces.map {
            OfflineTrafficAnalysis.Input(interface: $0, path: try TrafficFixtures.url("lab/\(state)/\($0).pcap").path)
        }
        let streamed = try OfflineTrafficAnalysis.judge(scope: scope, files: files)
        #expect(streamed.judgement.findings == whole.findings)
        #expect(streamed.judgement.evidence == whole.evidence)
        #expect(streamed.judgement.flows == whole.flows)
        #expect(!whole.evidence.isEmpty)
        let counts = try TrafficFixtures.captures(state).map(\.frames.count)
        #expect(streamed.analyses.map(\.frameCount) == counts)
        #expect(streamed.truncatedFiles.isEmpty)
    }

    @Test func cutFileIsReadUpToTheCutAndNotAPcapIsAnError() throws {
        let capture = try TrafficFixtures.captures("nftables-healthy")[0]
        let bytes = PcapFile.write(linkType: capture.linkType, frames: capture.frames)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("streaming-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cut = directory.appendingPathComponent("cut.pcap"), text = directory.appendingPathComponent("text.pcap")
        try Data(bytes.dropLast(3)).write(to: cut)
        try Data("not a capture at all, just text".utf8).write(to: text)
        let scope = TrafficFixtures.scope(try TrafficFixtures.host())
        let result = try OfflineTrafficAnalysis.judge(scope: scope, files: [.init(interface: "virbr0", path: cut.path)])
        #expect(result.analyses[0].frameCount == capture.frames.count - 1)
        #expect(result.truncatedFiles == [cut.path])
        #expect(throws: OfflineTrafficAnalysis.FileError.self) {
            try OfflineTrafficAnalysis.judge(scope: scope, files: [.init(interface: "virbr0", path: text.path)])
        }
    }

    /// A file larger than the reader's buffer: records cut by the buffer's edge come whole, each frame as
    /// written; frames read again by number, from checkpoints or without them, in any order, are the same.
    @Test func fileLargerThanTheBufferStreamsEveryFrameAsWritten() throws {
        let frames = (0..<50_000).map { i in
            CapturedFrame(timestampNanoseconds: 1_700_000_000_000_000_000 + UInt64(i) * 1000, originalLength: 200 + i % 7,
                          bytes: (0..<(60 + i % 97)).map { UInt8(truncatingIfNeeded: $0 &+ i) })
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("window-\(UInt32.random(in: 0...UInt32.max)).pcap")
        try Data(PcapFile.write(linkType: .ethernet, frames: frames)).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        #expect(try FileManager.default.attributesOfItem(atPath: path.path)[.size] as? Int ?? 0 > 5 << 20)
        let stream = try PcapFileStream(path: path.path)
        var read: [CapturedFrame] = []
        while try stream.next({ bytes, stamp, original in
            read.append(CapturedFrame(timestampNanoseconds: stamp, originalLength: original, bytes: Array(bytes)))
        }) {}
        #expect(read == frames)
        #expect(!stream.truncatedAtEnd)
        #expect(stream.checkpoints.count == (frames.count + PcapFileStream.checkpointInterval - 1) / PcapFileStream.checkpointInterval)
        let wanted: Set<Int> = [0, 1, 4095, 4096, 4097, 8191, 29_999, 30_000, 49_999, 50_000, 70_000]
        let expected = Dictionary(uniqueKeysWithValues: wanted.filter { $0 < frames.count }.map { ($0, frames[$0]) })
        #expect(try OfflineTrafficAnalysis.frames(wanted, of: path.path, checkpoints: stream.checkpoints) == expected)
        #expect(try OfflineTrafficAnalysis.frames(wanted, of: path.path, checkpoints: []) == expected)
        // seeking backwards and forwards on one stream
        for number in [49_999, 3, 40_000, 4096, 0] {
            try stream.seek(toRecord: number, checkpoints: stream.checkpoints)
            var got: CapturedFrame?
            _ = try stream.next { bytes, stamp, original in
                got = CapturedFrame(timestampNanoseconds: stamp, originalLength: original, bytes: Array(bytes))
            }
            #expect(got == frames[number], "record \(number)")
        }
    }

    /// A flow of 5000 packets keeps its first `Flow.frameLimit` frames only; its senders keep a count.
    @Test func longFlowKeepsItsFirstFramesOnly() {
        let guest = "52:54:00:aa:00:01", host = "52:54:00:bb:00:02"
        var analysis = CaptureAnalysis(InterfaceCapture(interface: "virbr0", linkType: .ethernet, frames: [], counters: nil,
                                                        startedAtNanoseconds: 0, endedAtNanoseconds: 0, end: .completed, source: "test"))
        for i in 0..<5000 {
            let packet = i.isMultiple(of: 2)
                ? PacketBuilder.tcp("192.168.122.11", 40000, "203.0.113.1", 80, i == 0 ? .syn : .ack, mac: (guest, host))
                : PacketBuilder.tcp("203.0.113.1", 80, "192.168.122.11", 40000, i == 1 ? [.syn, .ack] : .ack, mac: (host, guest))
            analysis.traffic.add(packet, at: UInt64(i) * 1000, length: 60)
        }
        let flows = analysis.traffic.flows
        #expect(flows.count == 1)
        #expect(flows[0].frames.map(\.frame) == Array(0..<Flow.frameLimit))
        #expect(flows[0].answered && flows[0].opens && flows[0].end == 4_999_000)
        let senders = analysis.traffic.senders.map(\.1)
        #expect(senders.map(\.count) == [2500, 2500])
        let evens = (0..<Flow.frameLimit).map { $0 * 2 }
        #expect(senders.map(\.first) == [evens, evens.map { $0 + 1 }])
        #expect(analysis.frameCount == 5000 && analysis.byteCount == 300_000)
    }
}
