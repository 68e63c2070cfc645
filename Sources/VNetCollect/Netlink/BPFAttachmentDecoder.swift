import CNetlink
import VNetModel
import VNetNetlink

/// BPF programs attached to links, from rtnetlink: the `IFLA_XDP` attributes of a link message, the
/// clsact qdiscs of `RTM_NEWQDISC` and the `bpf` filters of `RTM_NEWTFILTER`. Every read is bounds-checked
/// (`NetlinkAttributes`, `nativeInteger`): a malformed message yields fewer programs, never a trap.
enum BPFAttachmentDecoder {
    /// `struct tcmsg`, the family header of qdisc and filter messages.
    static let tcHeaderSize = MemoryLayout<tcmsg>.size
    private static let ifindexOffset = MemoryLayout<tcmsg>.offset(of: \.tcm_ifindex)!
    private static let handleOffset = MemoryLayout<tcmsg>.offset(of: \.tcm_handle)!
    private static let infoOffset = MemoryLayout<tcmsg>.offset(of: \.tcm_info)!

    /// The XDP programs of a link, one per attach mode, from its `IFLA_XDP` nest (nil: none reported).
    static func xdp(_ xdp: NetlinkAttributes?) -> [BPFAttachment] {
        guard let xdp, let attached = xdp.u8(IFLA_XDP_ATTACHED), Int(attached) != XDP_ATTACHED_NONE else { return [] }
        // The kernel reports the program of every mode in use under its own attribute, MULTI or not.
        let perMode: [(BPFAttachment.XDPMode, Int)] = [
            (.native, IFLA_XDP_DRV_PROG_ID), (.generic, IFLA_XDP_SKB_PROG_ID), (.offload, IFLA_XDP_HW_PROG_ID),
        ]
        let programs = perMode.compactMap { mode, attribute in
            xdp.u32(attribute).map { BPFAttachment(hook: .xdp, xdpMode: mode, programID: Int($0)) }
        }
        guard programs.isEmpty else { return programs }
        return [BPFAttachment(hook: .xdp, xdpMode: xdpMode(attached), programID: xdp.u32(IFLA_XDP_PROG_ID).map(Int.init))]
    }

    /// `XDP_ATTACHED_*` of a single mode; nil for MULTI or a number this build does not know.
    static func xdpMode(_ attached: UInt8) -> BPFAttachment.XDPMode? {
        switch Int(attached) {
        case XDP_ATTACHED_DRV: return .native
        case XDP_ATTACHED_SKB: return .generic
        case XDP_ATTACHED_HW: return .offload
        default: return nil
        }
    }

    /// The link index of a clsact qdisc message; nil for any other qdisc or a message too short.
    static func clsactLink(_ message: NetlinkMessage) -> Int? {
        guard message.type == RTM_NEWQDISC, let header = message.familyHeader(size: tcHeaderSize),
              message.attributes(familyHeaderSize: tcHeaderSize).string(TCA_KIND) == "clsact",
              let index: Int32 = header.nativeInteger(at: header.startIndex + ifindexOffset) else { return nil }
        return Int(index)
    }

    /// A `RTM_GETTFILTER` dump request for the filters of link `index` under `parent`.
    static func filterRequest(link index: Int, parent: UInt32) -> [UInt8] {
        var header = tcmsg()
        header.tcm_family = UInt8(AF_UNSPEC)
        header.tcm_ifindex = Int32(truncatingIfNeeded: index)
        header.tcm_parent = parent
        return withUnsafeBytes(of: header) { Array($0) }
    }

    /// A `bpf` filter of a filter dump, at `hook`; nil for other classifiers and for the message the kernel
    /// sends ahead of each priority's filters (handle 0, no options).
    static func tcFilter(_ message: NetlinkMessage, hook: BPFAttachment.Hook) -> BPFAttachment? {
        guard message.type == RTM_NEWTFILTER, let header = message.familyHeader(size: tcHeaderSize),
              let handle: UInt32 = header.nativeInteger(at: header.startIndex + handleOffset), handle != 0,
              let info: UInt32 = header.nativeInteger(at: header.startIndex + infoOffset) else { return nil }
        let attributes = message.attributes(familyHeaderSize: tcHeaderSize)
        guard attributes.string(TCA_KIND) == "bpf", let options = attributes.nested(TCA_OPTIONS) else { return nil }
        let flags = options.u32(TCA_BPF_FLAGS) ?? 0
        return BPFAttachment(hook: hook, programID: options.u32(TCA_BPF_ID).map(Int.init), name: options.string(TCA_BPF_NAME),
                             tcPriority: Int(info >> 16), tcHandle: handle,
                             directAction: flags & UInt32(TCA_BPF_FLAG_ACT_DIRECT) != 0,
                             classicInstructions: options.u16(TCA_BPF_OPS_LEN).map(Int.init))
    }
}
