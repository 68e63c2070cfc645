import CNetlink
import VNetNetlink
import VNetModel

/// Bridge options and bridge-port state from a link's `IFLA_LINKINFO`, which libnl 3.7 does not
/// expose for AF_UNSPEC dumps: `IFLA_INFO_DATA` of a bridge holds `IFLA_BR_*`, `IFLA_INFO_SLAVE_DATA`
/// of a port holds `IFLA_BRPORT_*`.
enum BridgeAttributes {
    /// The options of a bridge; `ports` are filled in later from the other links' masters.
    static func bridge(infoData data: NetlinkAttributes) -> BridgeInfo {
        BridgeInfo(
            stpEnabled: data.u32(IFLA_BR_STP_STATE).map { $0 != 0 } ?? false,
            vlanFiltering: data.u8(IFLA_BR_VLAN_FILTERING).map { $0 != 0 } ?? false,
            forwardDelay: data.u32(IFLA_BR_FORWARD_DELAY).map(Int.init),
            nfCallIptables: data.u8(IFLA_BR_NF_CALL_IPTABLES).map { $0 != 0 },
            nfCallIp6tables: data.u8(IFLA_BR_NF_CALL_IP6TABLES).map { $0 != 0 },
            nfCallArptables: data.u8(IFLA_BR_NF_CALL_ARPTABLES).map { $0 != 0 })
    }

    /// The state of a bridge port; `bridgeName` comes from the port's master.
    static func port(slaveData data: NetlinkAttributes?, bridgeName: String) -> BridgePortInfo {
        BridgePortInfo(
            bridge: bridgeName,
            stpState: data?.u8(IFLA_BRPORT_STATE).map(stpState) ?? .unknown,
            cost: data?.u32(IFLA_BRPORT_COST).map(Int.init),
            priority: data?.u16(IFLA_BRPORT_PRIORITY).map(Int.init),
            learning: data?.u8(IFLA_BRPORT_LEARNING).map { $0 != 0 },
            isolated: data?.u8(IFLA_BRPORT_ISOLATED).map { $0 != 0 })
    }

    /// `BR_STATE_*` of linux/if_bridge.h.
    static func stpState(_ value: UInt8) -> BridgePortInfo.STPState {
        switch Int32(value) {
        case BR_STATE_DISABLED: return .disabled
        case BR_STATE_LISTENING: return .listening
        case BR_STATE_LEARNING: return .learning
        case BR_STATE_FORWARDING: return .forwarding
        case BR_STATE_BLOCKING: return .blocking
        default: return .unknown
        }
    }
}
