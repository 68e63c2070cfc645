import Foundation
import VNetPackets

/// Test-only reader of classic pcap files (global header, then records), so the fixtures are read
/// without libpcap: VNetPackets and its tests stay free of C.
struct PcapFile {
    struct Record {
        var originalLength: Int
        var bytes: [UInt8]
    }

    enum Failure: Error { case notPcap, cutRecord, unknownLinkType(UInt32) }

    var linkType: LinkType
    var snapLength: Int
    var records: [Record]

    init(_ data: [UInt8]) throws {
        guard data.count >= 24 else { throw Failure.notPcap }
        let magic = Self.u32(data, 0, bigEndian: false)
        let bigEndian: Bool
        switch magic {
        case 0xa1b2_c3d4, 0xa1b2_3c4d: bigEndian = false
        case 0xd4c3_b2a1, 0x4d3c_b2a1: bigEndian = true
        default: throw Failure.notPcap
        }
        snapLength = Int(Self.u32(data, 16, bigEndian: bigEndian))
        let type = Self.u32(data, 20, bigEndian: bigEndian) & 0x0fff_ffff
        guard let linkType = LinkType(rawValue: Int32(type)) else { throw Failure.unknownLinkType(type) }
        self.linkType = linkType
        records = []
        var offset = 24
        while offset < data.count {
            guard data.count - offset >= 16 else { throw Failure.cutRecord }
            let included = Int(Self.u32(data, offset + 8, bigEndian: bigEndian))
            let original = Int(Self.u32(data, offset + 12, bigEndian: bigEndian))
            guard data.count - offset - 16 >= included else { throw Failure.cutRecord }
            records.append(Record(originalLength: original, bytes: Array(data[(offset + 16)..<(offset + 16 + included)])))
            offset += 16 + included
        }
    }

    init(fixture name: String) throws {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "pcap") else {
            throw Failure.notPcap
        }
        try self.init([UInt8](try Data(contentsOf: url)))
    }

    func decoded() -> [DecodedPacket] { records.map { PacketDecoder.decode($0.bytes, linkType: linkType) } }

    private static func u32(_ data: [UInt8], _ at: Int, bigEndian: Bool) -> UInt32 {
        let bytes = data[at..<(at + 4)].map(UInt32.init)
        return bigEndian ? bytes.reduce(0) { $0 << 8 | $1 } : bytes.reversed().reduce(0) { $0 << 8 | $1 }
    }
}
