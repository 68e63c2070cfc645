import CNetlink
import VNetNetlink
import VNetModel

/// One `RTM_NEWLINK` message decoded on its own; names of other links (master, lower device, bridge
/// ports) are resolved once the whole dump is read.
struct DecodedLink {
    var link: Link
    var masterIndex: Int?
    /// `IFLA_LINK` when it names a lower device in this namespace.
    var lowerIndex: Int?
    /// `IFLA_INFO_SLAVE_DATA` when the link is a port of a bridge (slave kind `bridge`).
    var bridgePortData: NetlinkAttributes?
}

/// Decodes link messages: the common fields through libnl's `rtnl_link_*` getters, the bridge,
/// bridge-port and tun details from the message's own `IFLA_LINKINFO` attributes.
enum LinkDecoder {
    /// `struct ifinfomsg`.
    static let familyHeaderSize = 16
    /// `IFF_UP` / `IFF_LOWER_UP` (linux/if.h; glibc's net/if.h lacks `IFF_LOWER_UP`).
    static let adminUpFlag: UInt32 = 0x1
    static let lowerUpFlag: UInt32 = 0x1_0000

    static func decode(_ link: LibnlObject, attributes: NetlinkAttributes,
                       wireless: (String, Int) -> Bool) -> DecodedLink {
        let handle = link.handle
        let index = Int(rtnl_link_get_ifindex(handle))
        let name = rtnl_link_get_name(handle).map { String(cString: $0) } ?? "if\(index)"
        let flags = UInt32(rtnl_link_get_flags(handle))
        let infoKind = rtnl_link_get_type(handle).map { String(cString: $0) }
        let linkInfo = attributes.nested(IFLA_LINKINFO)
        let infoData = linkInfo?.nested(IFLA_INFO_DATA)
        let kind = LinkKindName.kind(infoKind: infoKind, hardwareType: UInt32(rtnl_link_get_arptype(handle)),
                                     tunType: infoKind == "tun" ? infoData?.u8(IFLA_TUN_TYPE) : nil)
        var netnsID: Int32 = 0
        let linkInOtherNamespace = rtnl_link_get_link_netnsid(handle, &netnsID) == 0

        let master = Int(rtnl_link_get_master(handle))
        let lower = Int(rtnl_link_get_link(handle))
        // A veth's IFLA_LINK is its peer, not a lower device; in another namespace it means nothing here.
        let hasLowerHere = lower > 0 && lower != index && kind != .veth && !linkInOtherNamespace

        var decoded = DecodedLink(
            link: Link(index: index, name: name, kind: kind, kindName: kind == .other ? infoKind : nil,
                       mac: LibnlAddress.hardware(rtnl_link_get_addr(handle)),
                       mtu: Int(rtnl_link_get_mtu(handle)),
                       operState: operState(rtnl_link_get_operstate(handle)),
                       adminUp: flags & adminUpFlag != 0, carrier: flags & lowerUpFlag != 0,
                       peerInOtherNamespace: linkInOtherNamespace,
                       vlanID: vlanID(handle), macvlanMode: macvlanMode(handle),
                       wireless: wireless(name, index),
                       bridge: kind == .bridge ? BridgeAttributes.bridge(infoData: infoData ?? NetlinkAttributes([])) : nil,
                       bpfPrograms: BPFAttachmentDecoder.xdp(attributes.nested(IFLA_XDP))),
            masterIndex: master > 0 ? master : nil,
            lowerIndex: hasLowerHere ? lower : nil)
        if linkInfo?.string(IFLA_INFO_SLAVE_KIND) == "bridge" {
            decoded.bridgePortData = linkInfo?.nested(IFLA_INFO_SLAVE_DATA)
        }
        return decoded
    }

    /// `IF_OPER_*` of linux/if.h (RFC 2863 operational state; the header cannot be imported beside
    /// glibc's net/if.h).
    static func operState(_ value: UInt8) -> OperState {
        switch value {
        case 1: return .notPresent
        case 2: return .down
        case 3: return .lowerLayerDown
        case 4: return .testing
        case 5: return .dormant
        case 6: return .up
        default: return .unknown
        }
    }

    private static func vlanID(_ link: OpaquePointer) -> Int? {
        rtnl_link_is_vlan(link) != 0 ? Int(rtnl_link_vlan_get_id(link)) : nil
    }

    /// macvlan/macvtap mode by libnl's names (`private`, `vepa`, `bridge`, `passthru`, `source`).
    private static func macvlanMode(_ link: OpaquePointer) -> String? {
        let mode: UInt32
        if rtnl_link_is_macvlan(link) != 0 {
            mode = rtnl_link_macvlan_get_mode(link)
        } else if rtnl_link_is_macvtap(link) != 0 {
            mode = rtnl_link_macvtap_get_mode(link)
        } else {
            return nil
        }
        guard mode != 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: 32)
        guard let text = rtnl_link_macvlan_mode2str(Int32(bitPattern: mode), &buffer, buffer.count) else { return nil }
        return String(cString: text)
    }
}
