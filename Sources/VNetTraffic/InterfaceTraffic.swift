import VNetModel
import VNetPackets

/// What one capture holds, sorted for judgement as its frames arrive one by one: its flows, the ICMP
/// errors, DHCP and DNS messages, and who sent frames. No frame is kept: flows keep their first frames'
/// numbers only, so the state grows with flows and messages, not with packets.
struct InterfaceTraffic: Sendable {
    /// The capture's place among those judged together: the `capture` of its frames' `FrameRef`s.
    private(set) var index: Int
    /// The capture's description and counters; its `frames` stay empty (they are not kept here).
    private(set) var capture: InterfaceCapture
    /// Flows by `FlowKey.unordered`: either direction finds its flow.
    private var flowTable = CompactTable<FlowKey, Flow>()
    private(set) var icmpErrors: [ICMPErrorSighting] = []
    private(set) var dhcp: [DHCPSighting] = []
    private(set) var dns: [DNSSighting] = []
    /// Frames by sender, for learning guests and finding them on uplinks without keeping the packets.
    private var senderTable = CompactTable<Sender, SenderFrames>()
    private(set) var frameCount = 0
    private(set) var byteCount = 0
    private(set) var firstFrameTime: UInt64?
    private(set) var lastFrameTime: UInt64?
    private(set) var tally = DecodeTally()

    var interface: String { capture.interface }
    /// Every sender with its frames, in the order first seen.
    var senders: [(key: Sender, value: SenderFrames)] { senderTable.entries }
    /// Every flow, in the order first seen (a new list each time: take it once).
    var flows: [Flow] { flowTable.values }
    /// The capture's end: when it stopped, or its last frame if later (a file has no stop time).
    var endTime: UInt64 { max(capture.endedAtNanoseconds, lastFrameTime ?? 0) }

    func ref(_ frame: Int) -> FrameRef { FrameRef(capture: index, frame: frame) }
    /// The flow `key` opened (not one it answers).
    func flow(_ key: FlowKey) -> Flow? { flowTable.value(for: key.unordered).flatMap { $0.key == key ? $0 : nil } }

    /// `capture`'s frames are not read: feed them with `add`. `index` is where it will be judged (`place`
    /// moves it, at the cost of renumbering its flows).
    init(index: Int, capture: InterfaceCapture) {
        self.index = index
        var described = capture
        described.frames = []
        self.capture = described
    }

    /// Places the capture at `index` among those judged together (its flows name it).
    mutating func place(at index: Int) {
        guard index != self.index else { return }
        self.index = index
        flowTable.updateAll { $0.capture = index }
    }

    mutating func updateCapture(_ change: (inout InterfaceCapture) -> Void) {
        change(&capture)
        capture.frames = []
    }

    /// Everything of `decoded` at once (its frames and packets side by side).
    init(index: Int, decoded: DecodedCapture) {
        self.init(index: index, capture: decoded.capture)
        for (frame, packet) in zip(decoded.capture.frames, decoded.packets) {
            add(packet, at: frame.timestampNanoseconds, length: frame.bytes.count)
        }
    }

    /// The capture's next frame (`length` bytes captured) as the decoders read it.
    mutating func add(_ packet: DecodedPacket, at time: UInt64, length: Int) {
        let frame = frameCount
        frameCount += 1
        byteCount += length
        if firstFrameTime == nil { firstFrameTime = time }
        lastFrameTime = time
        tally.record(packet)
        if let address = packet.ip?.source ?? packet.arp?.senderAddress {
            let sender = Sender(mac: packet.ethernet?.sourceMAC, address: address, fromIP: packet.ip != nil)
            if !senderTable.update(sender, { $0.add(frame) }) { senderTable.insert(sender, SenderFrames(first: frame)) }
        }
        guard let ip = packet.ip, ip.fragment.map({ $0.offset == 0 }) ?? true else { return }
        switch packet.application {
        case .dhcp(let m):
            dhcp.append(DHCPSighting(frame: frame, time: time, family: .ipv4, transactionID: m.transactionID,
                                     isRequest: m.op == 1 && [1, 3].contains(m.messageType ?? 0),
                                     isAnswer: m.op == 2, client: m.clientMAC))
            return
        case .dhcpv6(let m):
            dhcp.append(DHCPSighting(frame: frame, time: time, family: .ipv6, transactionID: m.transactionID,
                                     isRequest: [1, 3, 5, 6, 11].contains(m.messageType),
                                     isAnswer: [2, 7].contains(m.messageType), client: packet.ethernet?.source ?? "?"))
            return
        case .dns(let m):
            if case .udp(let u) = packet.transport {
                let sender = Endpoint(address: ip.source, port: u.sourcePort)
                let receiver = Endpoint(address: ip.destination, port: u.destinationPort)
                dns.append(DNSSighting(frame: frame, time: time, client: m.isResponse ? receiver : sender,
                                       server: m.isResponse ? sender : receiver, id: m.id,
                                       isResponse: m.isResponse, name: m.questionName))
            }
        case nil:
            break
        }
        add(frame, time, ip, packet.transport)
    }

    private mutating func add(_ frame: Int, _ time: UInt64, _ ip: IPHeader, _ transport: Transport?) {
        let src = ip.source, dst = ip.destination
        switch transport {
        case .tcp(let t):
            let key = FlowKey(protocolNumber: 6, source: Endpoint(address: src, port: t.sourcePort),
                              destination: Endpoint(address: dst, port: t.destinationPort))
            let synOnly = t.flags.contains(.syn) && !t.flags.contains(.ack)
            let synAck = t.flags.contains(.syn) && t.flags.contains(.ack)
            record(frame, time, key, newFlowOpens: synOnly, startsReversed: synAck, reset: t.flags.contains(.rst))
        case .udp(let u):
            guard ![67, 68, 546, 547].contains(u.sourcePort), ![67, 68, 546, 547].contains(u.destinationPort) else { return }
            let key = FlowKey(protocolNumber: 17, source: Endpoint(address: src, port: u.sourcePort),
                              destination: Endpoint(address: dst, port: u.destinationPort))
            // a datagram cannot say whether it opens a flow or answers one older than the capture
            record(frame, time, key, newFlowOpens: false, startsReversed: false, reset: false)
        case .icmp(let m), .icmpv6(let m):
            let proto: UInt8 = ip.family == .ipv4 ? 1 : 58
            let (request, reply): (UInt8, UInt8) = ip.family == .ipv4 ? (8, 0) : (128, 129)
            if let echo = m.echo, m.type == request || m.type == reply {
                let id = echo.identifier
                let key = m.type == request
                    ? FlowKey(protocolNumber: proto, source: Endpoint(address: src, port: id), destination: Endpoint(address: dst, port: 0))
                    : FlowKey(protocolNumber: proto, source: Endpoint(address: src, port: 0), destination: Endpoint(address: dst, port: id))
                record(frame, time, key, newFlowOpens: m.type == request, startsReversed: m.type == reply, reset: false)
            } else if let kind = ICMPErrorSighting.Kind(family: ip.family, type: m.type, code: m.code) {
                icmpErrors.append(ICMPErrorSighting(frame: frame, kind: kind, from: ip.source, to: ip.destination, message: m))
            }
        case nil:
            break
        }
    }

    /// Adds a packet to its flow (either direction) or starts one; a flow first seen on its answer
    /// (`startsReversed`: a SYN-ACK, an echo reply) is keyed by its initiator all the same.
    private mutating func record(_ frame: Int, _ t: UInt64, _ key: FlowKey, newFlowOpens: Bool, startsReversed: Bool, reset: Bool) {
        let unordered = key.unordered
        let known = flowTable.update(unordered) { flow in
            let backward = flow.key != key
            flow.add(frame, at: t, backward: backward)
            if backward && reset { flow.resetBack = true }
        }
        guard !known else { return }
        let flowKey = startsReversed ? key.reversed : key
        var flow = Flow(key: flowKey, capture: index, start: t, opens: newFlowOpens && !startsReversed)
        flow.add(frame, at: t, backward: startsReversed)
        flowTable.insert(unordered, flow)
    }
}

/// Who sent a frame: its Ethernet source (nil on other links) and the IP source or ARP sender address.
struct Sender: Hashable, Sendable, CompactKey {
    let mac: MACAddress?
    let address: IPAddress
    /// The address is an IP packet's source (not an ARP sender's).
    let fromIP: Bool

    /// MAC, flags and address folded into one word: the sender table's hash.
    var mix: UInt64 {
        let flags: UInt64 = (mac == nil ? 0 : 1 << 48) | (address.family == .ipv6 ? 1 << 49 : 0) | (fromIP ? 1 << 50 : 0)
        return (((mac?.value ?? 0) | flags) ^ address.high &* 0x100_0000_01b3) &* 0x9e37_79b9 ^ address.low
    }
}

/// How many frames a sender sent, and the first of them (evidence holds no more: as many as a flow keeps).
struct SenderFrames: Sendable {
    private(set) var count = 0
    private var kept = FirstFrames()

    init(first frame: Int) { add(frame) }

    mutating func add(_ frame: Int) {
        count += 1
        if let number = UInt32(exactly: frame) { kept.append(number) }
    }

    /// The numbers of the first frames.
    var first: [Int] { kept.numbers }
}

/// An ICMP or ICMPv6 error message and the packet it quotes.
struct ICMPErrorSighting: Sendable {
    enum Kind: Equatable, Sendable {
        /// IPv4 "fragmentation needed" (3/4) or ICMPv6 "packet too big" (2).
        case tooBig
        case unreachable
        case timeExceeded
        case parameterProblem

        init?(family: AddressFamily, type: UInt8, code: UInt8) {
            switch (family, type) {
            case (.ipv4, 3): self = code == 4 ? .tooBig : .unreachable
            case (.ipv4, 11), (.ipv6, 3): self = .timeExceeded
            case (.ipv4, 12), (.ipv6, 4): self = .parameterProblem
            case (.ipv6, 1): self = .unreachable
            case (.ipv6, 2): self = .tooBig
            default: return nil
            }
        }
    }

    let frame: Int
    let kind: Kind
    let from: IPAddress
    let to: IPAddress
    let message: ICMPMessage

    /// The key of the flow the quoted packet belongs to, when the quote has ports (tcp/udp).
    var quotedKey: FlowKey? {
        guard let q = message.quoted, let sp = q.sourcePort, let dp = q.destinationPort else { return nil }
        return FlowKey(protocolNumber: q.protocolNumber, source: Endpoint(address: q.source, port: sp),
                       destination: Endpoint(address: q.destination, port: dp))
    }

    var label: String {
        let what: String
        switch kind {
        case .tooBig: what = message.mtu.map { "too big (MTU \($0))" } ?? "too big"
        case .unreachable: what = "unreachable (code \(message.code))"
        case .timeExceeded: what = "time exceeded"
        case .parameterProblem: what = "parameter problem"
        }
        let about = message.quoted.map { " about \($0.source) -> \($0.destination)" } ?? ""
        return "ICMP \(what) from \(from)\(about)"
    }
}

/// A DHCP or DHCPv6 message: a client's discover/solicit/request, or a server's offer/advertise/ack/reply.
struct DHCPSighting: Sendable {
    let frame: Int
    let time: UInt64
    let family: AddressFamily
    let transactionID: UInt32
    let isRequest: Bool
    let isAnswer: Bool
    let client: String
}

/// A DNS query or response over UDP, with the querier as `client`.
struct DNSSighting: Sendable {
    let frame: Int
    let time: UInt64
    let client: Endpoint
    let server: Endpoint
    let id: UInt16
    let isResponse: Bool
    let name: String?
}
