import CNetlink

/// Netlink numbers of the headers in the type the wire needs, and those Swift cannot import as they are
/// (`NLM_F_DUMP` is built from other macros, `TC_H_MAKE` is function-like). `NetlinkConstantsTests`
/// compares each with the header's own definition or value.
package enum NetlinkConstants {
    /// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`).
    package static let dumpFlag = UInt16(NLM_F_ROOT | NLM_F_MATCH)
    /// `NLM_F_REQUEST | NLM_F_DUMP`, as libnl's `nl_send_simple` takes flags (it adds `NLM_F_REQUEST`).
    package static let dumpRequestFlags = Int32(dumpFlag)
    package static let requestFlag = UInt16(NLM_F_REQUEST)
    package static let done = UInt16(NLMSG_DONE)
    package static let error = UInt16(NLMSG_ERROR)

    /// An nf_tables message type: `NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_*`.
    package static func nftablesMessage(_ message: nf_tables_msg_types) -> UInt16 {
        UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(message.rawValue)
    }

    /// `TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)`: the parent of a link's clsact ingress filters.
    package static let clsactIngressParent = tcHandle(major: TC_H_CLSACT, minor: TC_H_MIN_INGRESS)
    /// `TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)`: the parent of its clsact egress filters.
    package static let clsactEgressParent = tcHandle(major: TC_H_CLSACT, minor: TC_H_MIN_EGRESS)

    /// `TC_H_MAKE` of linux/pkt_sched.h.
    private static func tcHandle(major: UInt32, minor: UInt32) -> UInt32 {
        major & UInt32(TC_H_MAJ_MASK) | minor & UInt32(TC_H_MIN_MASK)
    }
}
