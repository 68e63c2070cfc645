import VNetModel
import VNetPackets

/// One address family of one network as the captures show it: its guest-side interfaces, its uplinks,
/// who its guests are, and its flows classified and followed out through the uplinks.
struct NetworkTraffic {
    let network: LibvirtNetwork
    let family: AddressFamily
    /// The network's subnets of the family (a bridge-mode network: the host bridge's own subnets).
    let subnets: [IPPrefix]
    /// Every address of the host, on any link: never a guest, the source of the host's own rejects.
    let hostAddresses: Set<IPAddress>
    /// The host's global addresses on each uplink, by device (the next hop a LAN router needs).
    let uplinkAddresses: [String: [InterfaceAddress]]
    let sides: [InterfaceTraffic]
    let uplinks: [InterfaceTraffic]
    /// The bridge's own MAC (frames the host routed into the network come from it).
    let bridgeMAC: String?
    private(set) var guestMACs: Set<String> = []
    private(set) var guestAddresses: Set<IPAddress> = []
    private(set) var sideFlows: [SideFlow] = []
    private(set) var crossings: [Crossing] = []
    let probeAddresses: Set<IPAddress>

    enum Direction { case outbound, inbound, toHost, local }

    /// A flow seen on the guest side and which way it goes.
    struct SideFlow {
        let flow: Flow
        let direction: Direction
    }

    /// An outbound guest flow followed to the uplinks: the flow it became there (nil: it never left),
    /// with the source it left with.
    struct Crossing {
        let side: Flow
        let uplink: Flow?
        let uplinkInterface: String?

        var left: Bool { uplink != nil }
        /// The source address it left with when NAT changed it; nil when untranslated or not left.
        var translatedTo: IPAddress? {
            guard let up = uplink, up.key.source.address != side.key.source.address else { return nil }
            return up.key.source.address
        }
        /// The far end answered (on the uplink when it left; else on the bridge, e.g. the host itself).
        var answered: Bool { uplink?.answered ?? side.answered }
        var frames: [FrameRef] { side.frames + (uplink?.frames ?? []) }
        var label: String {
            guard let up = uplink else { return "\(side.key) did not leave" }
            let how = translatedTo.map { "translated to \($0)" } ?? "untranslated"
            return "\(side.key) left through \(uplinkInterface ?? "?") \(how), \(up.answered ? "answered" : "unanswered")"
        }
    }

    var isBridgeMode: Bool { network.mode == .bridge }
    /// Traffic to judge by on the guest side: a flow, a DHCP or a DNS message of the family (neighbour
    /// discovery, router advertisements and ARP alone say nothing about the mode's claims).
    var hasTraffic: Bool {
        !sideFlows.isEmpty || sides.contains { side in
            side.dhcp.contains { $0.family == family } || side.dns.contains { $0.client.address.family == family }
        }
    }

    /// `foreignSides`: the other networks' guest sides, whose flows may explain an uplink flow better
    /// than this network's do (several networks talking to one server at once). `probeAddresses`: the
    /// probe port's own addresses (`check --probe`).
    init(network: LibvirtNetwork, family: AddressFamily, host: HostState, sides: [InterfaceTraffic],
         uplinks: [InterfaceTraffic], foreignSides: [InterfaceTraffic] = [], probeAddresses: Set<IPAddress> = []) {
        self.network = network
        self.family = family
        self.sides = sides
        self.uplinks = uplinks
        self.probeAddresses = probeAddresses
        hostAddresses = Set(host.addresses.map(\.address))
        uplinkAddresses = Dictionary(grouping: host.addresses.filter { $0.family == family && $0.scope == .global },
                                     by: \.linkName)
        let bridge = network.bridge?.name
        bridgeMAC = network.mac?.lowercased() ?? bridge.flatMap { host.link(named: $0)?.mac?.lowercased() }
        if network.mode == .bridge {
            subnets = bridge.map { host.addresses(of: $0).filter { $0.family == family }.map(\.prefix) } ?? []
        } else {
            subnets = network.subnets.filter { $0.family == family }
        }
        learnGuests(host: host)
        classify()
        correlate(foreign: foreignSides.flatMap(\.flows).filter { $0.key.family == family })
    }

    /// A guest's address: in a libvirt subnet, any that is not the host's; in bridge mode, one seen
    /// coming from a guest's MAC.
    func isGuest(_ address: IPAddress) -> Bool {
        if isBridgeMode { return guestAddresses.contains(address) }
        return !hostAddresses.contains(address) && !address.isLinkLocal && subnets.contains { $0.contains(address) }
    }

    func isLocal(_ address: IPAddress) -> Bool {
        address.isMulticast || address.isLinkLocal || address.isUnspecified || subnets.contains { $0.contains(address) }
            || (family == .ipv4 && address == IPAddress(ipv4: 0xffff_ffff))
    }

    func traffic(_ capture: Int) -> InterfaceTraffic? {
        (sides + uplinks).first { $0.index == capture }
    }

    /// Guest MACs: in bridge mode the MAC libvirt derives a tap's from (the tap is `fe:` + the guest's
    /// last five bytes); otherwise the sources of frames carrying guest addresses. Guest addresses (bridge
    /// mode) are then the IP sources of those MACs' frames.
    private mutating func learnGuests(host: HostState) {
        for side in sides {
            if isBridgeMode {
                guard let tap = host.link(named: side.interface)?.mac?.lowercased(), tap.count == 17 else { continue }
                let tail = tap.dropFirst(2)
                for sender in side.senders.map(\.key) {
                    guard let mac = sender.mac?.description, mac.dropFirst(2) == tail, mac != tap else { continue }
                    guestMACs.insert(mac)
                    let ip = sender.address
                    if sender.fromIP, ip.family == family, !ip.isUnspecified, !ip.isLinkLocal { guestAddresses.insert(ip) }
                }
            } else {
                for sender in side.senders.map(\.key) {
                    guard let mac = sender.mac?.description, mac != bridgeMAC else { continue }
                    if sender.address.family == family, isGuest(sender.address) { guestMACs.insert(mac) }
                }
            }
        }
    }

    private mutating func classify() {
        for side in sides {
            for flow in side.flows where flow.key.family == family {
                let src = flow.key.source.address, dst = flow.key.destination.address
                let direction: Direction
                if isGuest(src) {
                    direction = hostAddresses.contains(dst) ? .toHost : (isBridgeMode ? (isGuest(dst) ? .local : .outbound) : (isLocal(dst) ? .local : .outbound))
                } else if isGuest(dst) && !hostAddresses.contains(src) && !src.isLinkLocal {
                    direction = .inbound
                } else {
                    direction = .local
                }
                sideFlows.append(SideFlow(flow: flow, direction: direction))
            }
        }
    }

    /// Follows each outbound flow to the uplinks: the uplink flow to the same destination, protocol and
    /// destination port that starts within `window` of it (NAT may change the source address and port);
    /// the untranslated one first, then one that kept the source port (NAT keeps it when it can), else
    /// the closest in time; never one claimed by another flow or better explained by a flow of another
    /// network (`foreign`: several networks talking to one server at once).
    private mutating func correlate(foreign: [Flow]) {
        // uplink flows (uplink, flow index) by protocol and destination, so each outbound flow looks at its
        // few candidates only; `claimed` by the same indices
        let uplinkFlows = uplinks.map(\.flows)
        var candidates: [FlowKey: [(uplink: Int, flow: Int)]] = [:]
        candidates.reserveCapacity(uplinkFlows.reduce(0) { $0 + $1.count })
        for (u, flows) in uplinkFlows.enumerated() {
            for (i, flow) in flows.enumerated() {
                candidates[Self.destinationKey(flow.key), default: []].append((u, i))
            }
        }
        // other networks' flows by destination, in start order, so only those near a candidate are asked
        let rivals = Dictionary(grouping: foreign, by: { Self.destinationKey($0.key) }).mapValues { $0.sorted { $0.start < $1.start } }
        var claimed = uplinkFlows.map { [Bool](repeating: false, count: $0.count) }
        crossings.reserveCapacity(sideFlows.count)
        for side in sideFlows where side.direction == .outbound {
            let flow = side.flow
            let key = Self.destinationKey(flow.key)
            var best: (uplink: Int, flow: Int, score: UInt64)?
            for candidate in candidates[key] ?? [] where !claimed[candidate.uplink][candidate.flow] {
                let up = uplinkFlows[candidate.uplink][candidate.flow]
                guard let score = Self.score(flow, up) else { continue }
                if score > 0, Self.betterRival(in: rivals[key] ?? [], for: up, than: score) { continue }
                if best == nil || score < best!.score { best = (candidate.uplink, candidate.flow, score) }
            }
            if let best {
                claimed[best.uplink][best.flow] = true
                crossings.append(Crossing(side: flow, uplink: uplinkFlows[best.uplink][best.flow], uplinkInterface: uplinks[best.uplink].interface))
            } else {
                crossings.append(Crossing(side: flow, uplink: nil, uplinkInterface: nil))
            }
        }
    }

    /// How well uplink flow `candidate` continues guest-side flow `side` (same protocol and destination;
    /// lower is better); nil when it starts outside the time window.
    static func score(_ side: Flow, _ candidate: Flow) -> UInt64? {
        guard candidate.start + skew >= side.start, candidate.start <= side.start + window else { return nil }
        if candidate.key.source == side.key.source { return 0 }
        let apart = candidate.start > side.start ? candidate.start - side.start : side.start - candidate.start
        return (candidate.key.source.port == side.key.source.port ? 1 : 1 << 40) + apart
    }

    /// Whether a flow of `rivals` (sorted by start) continues into `candidate` better than `score`: only
    /// rivals that started within the time window of it can.
    private static func betterRival(in rivals: [Flow], for candidate: Flow, than score: UInt64) -> Bool {
        let earliest = candidate.start > window ? candidate.start - window : 0
        var low = 0, high = rivals.count
        while low < high {
            let mid = (low + high) / 2
            if rivals[mid].start < earliest { low = mid + 1 } else { high = mid }
        }
        for rival in rivals[low...] {
            if rival.start > candidate.start + skew { break }
            if let rivalScore = Self.score(rival, candidate), rivalScore < score { return true }
        }
        return false
    }

    /// A flow's protocol and destination, with the source blanked: what NAT leaves unchanged.
    private static func destinationKey(_ key: FlowKey) -> FlowKey {
        let blank = Endpoint(address: IPAddress(ipv4: 0), port: 0)
        return FlowKey(protocolNumber: key.protocolNumber, source: blank, destination: key.destination)
    }

    /// Capture clocks of two interfaces of one host agree; a forwarded packet reaches the uplink within
    /// microseconds, so 2 s only allows for a busy host.
    static let window: UInt64 = 2_000_000_000
    static let skew: UInt64 = 50_000_000

    /// Frames on the uplinks that carry a guest's source address or MAC: the guests themselves on the wire.
    /// `count` is all of them; `frames` the first `FirstFrames.capacity` of each sender.
    func guestFramesOnUplinks() -> (count: Int, frames: [FrameRef]) {
        var count = 0
        var refs: [FrameRef] = []
        for uplink in uplinks {
            var frames: [Int] = []
            for (sender, sent) in uplink.senders where sender.address.family == family
                && (isGuest(sender.address) || sender.mac.map { guestMACs.contains($0.description) } ?? false) {
                count += sent.count
                frames += sent.first
            }
            refs += frames.sorted().map(uplink.ref)
        }
        return (count, refs)
    }

    /// Connections opened from outside towards a guest as seen on the uplinks, each with whether it
    /// reached the guest side (the same flow seen on the bridge).
    func inboundAttempts() -> [(flow: Flow, reached: Bool)] {
        let inbound = Set(sideFlows.filter { $0.direction == .inbound }.map(\.flow.key))
        return uplinks.flatMap(\.flows).filter { $0.opens && $0.key.family == family && isGuest($0.key.destination.address) }
            .map { ($0, inbound.contains($0.key)) }
    }

    /// Flows that start late enough that a missing answer may just be the capture's end.
    func inGrace(_ flow: Flow) -> Bool {
        guard let end = traffic(flow.capture)?.endTime else { return false }
        return flow.start + Self.grace > end
    }

    static let grace: UInt64 = 1_000_000_000

    /// `virbr0, eth-up`: the interfaces a finding's frames come from.
    func interfaces(of frames: [FrameRef]) -> String {
        let names = Set(frames.compactMap { traffic($0.capture)?.interface })
        return (sides + uplinks).map(\.interface).filter { names.contains($0) }.joined(separator: ", ")
    }
}
