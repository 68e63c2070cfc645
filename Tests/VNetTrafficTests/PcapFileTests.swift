import Testing
import VNetPackets
import VNetTraffic

/// The pure-Swift pcap reader and writer: round trip, both byte orders and resolutions, cut files and
/// foreign formats without trapping.
@Suite struct PcapFileTests {
    let frames = [
        CapturedFrame(timestampNanoseconds: 1_700_000_000_123_456_789, originalLength: 100, bytes: Array(0..<60)),
        CapturedFrame(timestampNanoseconds: 1_700_000_001_000_000_001, originalLength: 42, bytes: Array(repeating: 0xab, count: 42)),
    ]

    @Test func writtenFileReadsBackFrameForFrame() throws {
        let bytes = PcapFile.write(linkType: .ethernet, frames: frames)
        let contents = try PcapFile.read(bytes)
        #expect(contents.linkType == .ethernet)
        #expect(contents.frames == frames)
        #expect(!contents.truncatedAtEnd)
        #expect(bytes.count == 24 + 16 + 60 + 16 + 42)
    }

    @Test func bigEndianMicrosecondFileIsRead() throws {
        var bytes: [UInt8] = [0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 1]
        bytes += [0x65, 0x53, 0xf1, 0x00, 0, 0, 0x01, 0xf4, 0, 0, 0, 3, 0, 0, 0, 9, 1, 2, 3]
        let contents = try PcapFile.read(bytes)
        #expect(contents.frames.count == 1)
        #expect(contents.frames[0].timestampNanoseconds == 0x6553_f100 * 1_000_000_000 + 500_000)
        #expect(contents.frames[0].bytes == [1, 2, 3])
        #expect(contents.frames[0].originalLength == 9)
    }

    @Test func everyCutOfAFileReadsWithoutTrapping() throws {
        let bytes = PcapFile.write(linkType: .ethernet, frames: frames)
        for length in 0..<bytes.count {
            let prefix = Array(bytes.prefix(length))
            if length < 24 {
                #expect(throws: PcapFile.ReadError.tooShort) { try PcapFile.read(prefix) }
            } else {
                let contents = try PcapFile.read(prefix)
                #expect(contents.frames.count == (length >= 24 + 16 + 60 + 16 + 42 ? 2 : length >= 24 + 16 + 60 ? 1 : 0))
                #expect(contents.truncatedAtEnd == ![24, 24 + 16 + 60].contains(length))
            }
        }
    }

    @Test func foreignFormatsAreRefused() {
        let pcapng: [UInt8] = [0x0a, 0x0d, 0x0d, 0x0a] + Array(repeating: 0, count: 28)
        #expect(throws: PcapFile.ReadError.notPcap(magic: 0x0a0d_0d0a)) { try PcapFile.read(pcapng) }
        var unknownLink = PcapFile.write(linkType: .ethernet, frames: [])
        unknownLink[20] = 0x7f
        #expect(throws: PcapFile.ReadError.unsupportedLinkType(0x7f)) { try PcapFile.read(unknownLink) }
    }
}
