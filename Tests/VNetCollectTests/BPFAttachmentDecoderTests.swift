import CNetlink
import Testing
import VNetModel
import VNetNetlink
@testable import VNetCollect

/// The XDP and tc decoders on messages built from the kernel's structs, then cut and garbled: they must
/// read what is there and never trap on what is not.
@Suite struct BPFAttachmentDecoderTests {
    private func native<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    /// One attribute: length (header included), type, value, padding to 4 bytes.
    private func attribute(_ type: Int, _ value: [UInt8]) -> [UInt8] {
        var bytes = native(UInt16(4 + value.count)) + native(UInt16(type)) + value
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    /// A netlink message of `type` with `header` and `attributes` after it.
    private func message(_ type: Int, header: [UInt8], attributes: [UInt8]) -> NetlinkMessage {
        let body = header + attributes
        return NetlinkMessage(bytes: native(UInt32(16 + body.count)) + native(UInt16(type)) + [0, 0] + native(UInt32(1)) + native(UInt32(0)) + body)
    }

    private func tcHeader(index: Int32, handle: UInt32, parent: UInt32, priority: UInt16) -> [UInt8] {
        var header = tcmsg()
        header.tcm_ifindex = index
        header.tcm_handle = handle
        header.tcm_parent = parent
        header.tcm_info = UInt32(priority) << 16 | 0x0300  // protocol ETH_P_ALL, network order
        return native(header)
    }

    private var ebpfFilter: NetlinkMessage {
        let options = attribute(TCA_BPF_ID, native(UInt32(42))) + attribute(TCA_BPF_NAME, Array("guard.o:[tc]".utf8) + [0])
            + attribute(TCA_BPF_FLAGS, native(UInt32(TCA_BPF_FLAG_ACT_DIRECT)))
        return message(RTM_NEWTFILTER, header: tcHeader(index: 3, handle: 1, parent: NetlinkConstants.clsactIngressParent, priority: 49152),
                       attributes: attribute(TCA_KIND, Array("bpf".utf8) + [0]) + attribute(TCA_OPTIONS, options))
    }

    @Test func ebpfFilterIsRead() {
        #expect(BPFAttachmentDecoder.tcFilter(ebpfFilter, hook: .tcIngress)
                == BPFAttachment(hook: .tcIngress, programID: 42, name: "guard.o:[tc]", tcPriority: 49152, tcHandle: 1, directAction: true))
    }

    @Test func otherClassifiersAndPriorityHeadersAreNotPrograms() {
        let u32 = message(RTM_NEWTFILTER, header: tcHeader(index: 3, handle: 0x800, parent: 0, priority: 1),
                          attributes: attribute(TCA_KIND, Array("u32".utf8) + [0]) + attribute(TCA_OPTIONS, []))
        #expect(BPFAttachmentDecoder.tcFilter(u32, hook: .tcIngress) == nil)
        let priorityHeader = message(RTM_NEWTFILTER, header: tcHeader(index: 3, handle: 0, parent: 0, priority: 1),
                                     attributes: attribute(TCA_KIND, Array("bpf".utf8) + [0]))
        #expect(BPFAttachmentDecoder.tcFilter(priorityHeader, hook: .tcIngress) == nil)
    }

    @Test func wrongSizedValuesReadAsAbsent() {
        let options = attribute(TCA_BPF_ID, [1, 2]) + attribute(TCA_BPF_FLAGS, [1]) + attribute(TCA_BPF_OPS_LEN, native(UInt32(9)))
        let filter = message(RTM_NEWTFILTER, header: tcHeader(index: 3, handle: 5, parent: 0, priority: 7),
                             attributes: attribute(TCA_KIND, Array("bpf".utf8) + [0]) + attribute(TCA_OPTIONS, options))
        #expect(BPFAttachmentDecoder.tcFilter(filter, hook: .tcEgress)
                == BPFAttachment(hook: .tcEgress, tcPriority: 7, tcHandle: 5, directAction: false))
    }

    @Test func clsactQdiscNamesItsLink() {
        let clsact = message(RTM_NEWQDISC, header: tcHeader(index: 9, handle: 0xFFFF_0000, parent: 0xFFFF_FFF1, priority: 0),
                             attributes: attribute(TCA_KIND, Array("clsact".utf8) + [0]))
        #expect(BPFAttachmentDecoder.clsactLink(clsact) == 9)
        let noqueue = message(RTM_NEWQDISC, header: tcHeader(index: 9, handle: 0, parent: 0xFFFF_FFFF, priority: 0),
                              attributes: attribute(TCA_KIND, Array("noqueue".utf8) + [0]))
        #expect(BPFAttachmentDecoder.clsactLink(noqueue) == nil)
    }

    @Test func xdpModesAndIDs() {
        let generic = attribute(IFLA_XDP_ATTACHED, [UInt8(XDP_ATTACHED_SKB)]) + attribute(IFLA_XDP_PROG_ID, native(UInt32(101)))
            + attribute(IFLA_XDP_SKB_PROG_ID, native(UInt32(101)))
        #expect(BPFAttachmentDecoder.xdp(NetlinkAttributes(generic[...])) == [BPFAttachment(hook: .xdp, xdpMode: .generic, programID: 101)])
        let multi = attribute(IFLA_XDP_ATTACHED, [UInt8(XDP_ATTACHED_MULTI)]) + attribute(IFLA_XDP_DRV_PROG_ID, native(UInt32(5)))
            + attribute(IFLA_XDP_HW_PROG_ID, native(UInt32(6)))
        #expect(BPFAttachmentDecoder.xdp(NetlinkAttributes(multi[...])) == [BPFAttachment(hook: .xdp, xdpMode: .native, programID: 5),
                                                                             BPFAttachment(hook: .xdp, xdpMode: .offload, programID: 6)])
        let none = attribute(IFLA_XDP_ATTACHED, [UInt8(XDP_ATTACHED_NONE)])
        #expect(BPFAttachmentDecoder.xdp(NetlinkAttributes(none[...])) == [])
        #expect(BPFAttachmentDecoder.xdp(nil) == [])
        // Attached, but the id of its mode cut off: still a program, its id unknown.
        let cut = attribute(IFLA_XDP_ATTACHED, [UInt8(XDP_ATTACHED_DRV)]) + attribute(IFLA_XDP_DRV_PROG_ID, [1, 0])
        #expect(BPFAttachmentDecoder.xdp(NetlinkAttributes(cut[...])) == [BPFAttachment(hook: .xdp, xdpMode: .native)])
        #expect(BPFAttachmentDecoder.xdpMode(UInt8(XDP_ATTACHED_MULTI)) == nil)
        #expect(BPFAttachmentDecoder.xdpMode(200) == nil)
    }

    @Test func everyCutAndRandomBytesAreSafe() {
        let bytes = ebpfFilter.bytes
        for length in 0...bytes.count {
            let cut = NetlinkMessage(bytes: Array(bytes.prefix(length)))
            let filter = BPFAttachmentDecoder.tcFilter(cut, hook: .tcIngress)
            if length < 16 + BPFAttachmentDecoder.tcHeaderSize { #expect(filter == nil) }
            _ = BPFAttachmentDecoder.clsactLink(cut)
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var garbled = bytes
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                garbled[Int.random(in: 0..<garbled.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = BPFAttachmentDecoder.tcFilter(NetlinkMessage(bytes: garbled), hook: .tcEgress)
            let random = (0..<Int.random(in: 0..<120, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = BPFAttachmentDecoder.xdp(NetlinkAttributes(random[...]))
            _ = BPFAttachmentDecoder.clsactLink(NetlinkMessage(bytes: random))
        }
    }
}
