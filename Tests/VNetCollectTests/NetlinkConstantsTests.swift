import CNetlink
import Glibc
import Testing
import VNetNetlink
@testable import VNetCollect
@testable import VNetParsers

/// Netlink numbers written in Swift (VNetParsers sees no C; some header macros do not import) compared
/// with the kernel headers, so a number that drifts from its header fails here.
@Suite struct NetlinkConstantsTests {
    @Test func netlinkHeaderFlagsAndTypes() {
        #expect(NetlinkConstants.dumpFlag == 0x300)
        #expect(NetlinkConstants.dumpFlag == UInt16(NLM_F_ROOT | NLM_F_MATCH))
        #expect(NetlinkConstants.requestFlag == UInt16(NLM_F_REQUEST))
        #expect(NetlinkConstants.done == UInt16(NLMSG_DONE))
        #expect(NetlinkConstants.error == UInt16(NLMSG_ERROR))
        #expect(NfnetlinkMessage.done == UInt16(NLMSG_DONE))
        #expect(NfnetlinkMessage.error == UInt16(NLMSG_ERROR))
        #expect(NfnetlinkMessage.noop == UInt16(NLMSG_NOOP))
        #expect(NfnetlinkMessage.overrun == UInt16(NLMSG_OVERRUN))
        #expect(NfnetlinkMessage.flagMulti == UInt16(NLM_F_MULTI))
        #expect(NfnetlinkMessage.flagDumpInterrupted == UInt16(NLM_F_DUMP_INTR))
        #expect(NfnetlinkMessage.routeNewLink == UInt16(RTM_NEWLINK))
    }

    @Test func nfTablesMessages() {
        #expect(NfnetlinkMessage.nftablesSubsystem == UInt16(NFNL_SUBSYS_NFTABLES))
        #expect(NfnetlinkMessage.newTable == UInt16(NFT_MSG_NEWTABLE.rawValue))
        #expect(NfnetlinkMessage.newChain == UInt16(NFT_MSG_NEWCHAIN.rawValue))
        #expect(NfnetlinkMessage.newRule == UInt16(NFT_MSG_NEWRULE.rawValue))
        #expect(NfnetlinkMessage.newSet == UInt16(NFT_MSG_NEWSET.rawValue))
        #expect(NfnetlinkMessage.newSetElement == UInt16(NFT_MSG_NEWSETELEM.rawValue))
        #expect(NfnetlinkMessage.newGeneration == UInt16(NFT_MSG_NEWGEN.rawValue))
        #expect(NetlinkConstants.nftablesMessage(NFT_MSG_GETGEN) == 10 << 8 | 16)
        #expect(NetlinkConstants.nftablesMessage(NFT_MSG_GETRULE) == 10 << 8 | 7)
    }

    @Test func tcParentsOfClsact() {
        #expect(NetlinkConstants.clsactIngressParent == 0xFFFF_FFF2)
        #expect(NetlinkConstants.clsactEgressParent == 0xFFFF_FFF3)
    }

    /// linux/if.h cannot be imported beside glibc's net/if.h; its values are written in LinkDecoder.
    @Test func linkFlagsAndOperStates() {
        #expect(LinkDecoder.adminUpFlag == UInt32(IFF_UP))
        #expect(LinkDecoder.lowerUpFlag == 1 << 16)
    }
}
