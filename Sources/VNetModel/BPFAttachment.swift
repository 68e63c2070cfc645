/// A BPF program attached to a link (`IFLA_XDP` of the link, or a `bpf` filter of its clsact qdisc).
public struct BPFAttachment: Codable, Equatable, Sendable, Hashable {
    /// Where the program runs on the link.
    public enum Hook: String, Codable, Sendable, Hashable, CaseIterable {
        /// Before the kernel builds a socket buffer (or, generic, just after): ahead of every netfilter hook.
        case xdp
        /// tc clsact ingress: after XDP, before bridging, routing and netfilter's prerouting.
        case tcIngress = "tc-ingress"
        /// tc clsact egress: after netfilter's postrouting, the last step before the driver.
        case tcEgress = "tc-egress"
    }

    /// How an XDP program is attached (`XDP_ATTACHED_*`).
    public enum XDPMode: String, Codable, Sendable, Hashable, CaseIterable {
        /// In the driver (`xdpdrv`).
        case native
        /// In the core stack, for drivers without XDP (`xdpgeneric`).
        case generic
        /// On the NIC itself (`xdpoffload`).
        case offload
    }

    public var hook: Hook
    /// Set for `.xdp`.
    public var xdpMode: XDPMode?
    /// The kernel's program id (`bpftool prog show id N`); absent for a classic BPF tc filter, which has none.
    public var programID: Int?
    /// The program's name (tc reports the section or object it was loaded from).
    public var name: String?
    /// tc filter preference and handle, which name the filter to `tc filter del`.
    public var tcPriority: Int?
    public var tcHandle: UInt32?
    /// tc direct-action: the program's return value is the packet's verdict (drop, redirect...).
    public var directAction: Bool?
    /// Instructions of a classic BPF tc filter (`bytecode`), which the kernel runs converted.
    public var classicInstructions: Int?

    public init(hook: Hook, xdpMode: XDPMode? = nil, programID: Int? = nil, name: String? = nil,
                tcPriority: Int? = nil, tcHandle: UInt32? = nil, directAction: Bool? = nil,
                classicInstructions: Int? = nil) {
        self.hook = hook
        self.xdpMode = xdpMode
        self.programID = programID
        self.name = name
        self.tcPriority = tcPriority
        self.tcHandle = tcHandle
        self.directAction = directAction
        self.classicInstructions = classicInstructions
    }

    /// "xdp (generic) id 101 vna_xdp_pass", "tc-ingress pref 49152 handle 0x1 classic BPF (1 instructions)".
    public var summary: String {
        var parts = [hook.rawValue + (xdpMode.map { " (\($0.rawValue))" } ?? "")]
        if let tcPriority { parts.append("pref \(tcPriority)") }
        if let tcHandle { parts.append("handle 0x\(String(tcHandle, radix: 16))") }
        if let programID { parts.append("id \(programID)") }
        if let name { parts.append(name) }
        if let classicInstructions { parts.append("classic BPF (\(classicInstructions) instructions)") }
        if directAction == true { parts.append("direct-action") }
        return parts.joined(separator: " ")
    }
}

/// Which way a packet crosses the device where a program runs.
public enum BPFDirection: String, Sendable, Hashable {
    /// XDP and tc ingress see what the device receives.
    case received
    /// tc egress sees what the device sends.
    case sent
}

extension BPFAttachment {
    public var direction: BPFDirection {
        switch hook {
        case .xdp, .tcIngress: return .received
        case .tcEgress: return .sent
        }
    }
}

extension HostState {
    /// The BPF programs a packet meets where `device` receives or sends it (`direction` nil: both ways).
    /// nil when they are unknown: no such link, or a state collected before BPF programs were read.
    /// Empty means none: the firewall rules alone decide there.
    public func bpfPrograms(on device: String, _ direction: BPFDirection? = nil) -> [BPFAttachment]? {
        guard let programs = link(named: device)?.bpfPrograms else { return nil }
        return programs.filter { direction == nil || $0.direction == direction }
    }
}
