import VNetModel
import VNetPackets
import VNetTraffic

/// Builds decoded packets as values (no bytes) and captures of them, for judging constructed traffic.
struct PacketBuilder {
    /// One interface's packets in time order, each at `time` milliseconds.
    struct Interface {
        let name: String
        var packets: [(ms: UInt64, packet: DecodedPacket)] = []
        var counters: CaptureCounters?
        var end: CaptureEnd = .completed
        var endMs: UInt64?

        init(_ name: String) { self.name = name }

        mutating func add(_ ms: UInt64, _ packet: DecodedPacket) { packets.append((ms, packet)) }

        var decoded: DecodedCapture {
            let base: UInt64 = 1_700_000_000_000_000_000
            let frames = packets.map { CapturedFrame(timestampNanoseconds: base + $0.ms * 1_000_000, originalLength: 60,
                                                      bytes: [UInt8](repeating: 0, count: 60)) }
            let last = endMs ?? (packets.map(\.ms).max() ?? 0) + 5_000
            let capture = InterfaceCapture(interface: name, linkType: .ethernet, frames: frames, counters: counters,
                                           startedAtNanoseconds: base, endedAtNanoseconds: base + last * 1_000_000,
                                           end: end, source: "test")
            return DecodedCapture(capture: capture, packets: packets.map(\.packet))
        }
    }

    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    static func header(_ src: String, _ dst: String, _ proto: UInt8) -> IPHeader {
        IPHeader(source: ip(src), destination: ip(dst), protocolNumber: proto, hopLimit: 64, totalLength: 60)
    }

    static func ethernet(_ srcMAC: String, _ dstMAC: String, v6: Bool) -> EthernetHeader {
        EthernetHeader(source: srcMAC, destination: dstMAC, etherType: v6 ? 0x86dd : 0x0800)
    }

    static func tcp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, _ flags: TCPFlags,
                    mac: (String, String) = ("02:00:00:00:00:aa", "02:00:00:00:00:bb")) -> DecodedPacket {
        DecodedPacket(ethernet: ethernet(mac.0, mac.1, v6: src.contains(":")), ip: header(src, dst, 6),
                      transport: .tcp(TCPHeader(sourcePort: sport, destinationPort: dport, sequence: 1, acknowledgement: 0,
                                                flags: flags, payloadLength: 0)))
    }

    static func udp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, application: Application? = nil,
                    mac: (String, String) = ("02:00:00:00:00:aa", "02:00:00:00:00:bb")) -> DecodedPacket {
        DecodedPacket(ethernet: ethernet(mac.0, mac.1, v6: src.contains(":")), ip: header(src, dst, 17),
                      transport: .udp(UDPHeader(sourcePort: sport, destinationPort: dport, length: 40)), application: application)
    }

    static func echo(_ src: String, _ dst: String, request: Bool, id: UInt16,
                     mac: (String, String) = ("02:00:00:00:00:aa", "02:00:00:00:00:bb")) -> DecodedPacket {
        let v6 = src.contains(":")
        let type: UInt8 = v6 ? (request ? 128 : 129) : (request ? 8 : 0)
        let message = ICMPMessage(type: type, code: 0, echo: .init(identifier: id, sequence: 1))
        return DecodedPacket(ethernet: ethernet(mac.0, mac.1, v6: v6), ip: header(src, dst, v6 ? 58 : 1),
                             transport: v6 ? .icmpv6(message) : .icmp(message))
    }

    /// An ICMP error from `src` to `dst` quoting `quoted` (a tcp/udp packet's addresses and ports).
    static func icmpError(_ src: String, _ dst: String, type: UInt8, code: UInt8, mtu: Int? = nil,
                          quoting quoted: QuotedPacket, mac: (String, String) = ("02:00:00:00:00:bb", "02:00:00:00:00:aa")) -> DecodedPacket {
        let v6 = src.contains(":")
        let message = ICMPMessage(type: type, code: code, mtu: mtu, quoted: quoted)
        return DecodedPacket(ethernet: ethernet(mac.0, mac.1, v6: v6), ip: header(src, dst, v6 ? 58 : 1),
                             transport: v6 ? .icmpv6(message) : .icmp(message))
    }

    static func dhcp(_ src: String, _ dst: String, op: UInt8, type: UInt8, xid: UInt32, client: String) -> DecodedPacket {
        let message = DHCPMessage(op: op, transactionID: xid, clientMAC: client, yourAddress: ip("0.0.0.0"), messageType: type)
        return udp(src, op == 1 ? 68 : 67, dst, op == 1 ? 67 : 68, application: .dhcp(message), mac: (client, "ff:ff:ff:ff:ff:ff"))
    }

    static func dns(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, id: UInt16, response: Bool) -> DecodedPacket {
        let message = DNSMessage(id: id, isResponse: response, opcode: 0, responseCode: 0, questionName: "gateway.lab",
                                 answerCount: response ? 1 : 0)
        return udp(src, sport, dst, dport, application: .dns(message))
    }
}
