import CNetlink
import VNetNetlink
import VNetModel

/// Reads links, addresses, routes and policy rules of the caller's network namespace over one
/// rtnetlink socket (libnl-route-3). Each kind is one dump; every message is decoded on its own by
/// libnl's parser, and attributes libnl does not expose are read from the same message.
/// Make it on the thread that should see the namespace (see `NetworkNamespace.run`).
public final class NetlinkRouteReader {
    private let socket: NetlinkSocket
    private static let families = [UInt8(AF_INET), UInt8(AF_INET6)]

    public init() throws {
        socket = try NetlinkSocket(protocol: NETLINK_ROUTE)
    }

    public func read() throws -> RouteState {
        var notes: [CollectionNote] = []
        let links = try readLinks(notes: &notes)
        var names: [Int: String] = [:]
        for link in links { names[link.index] = link.name }
        let linkName = { (index: Int) in names[index] ?? "if\(index)" }

        var addresses: [InterfaceAddress] = []
        var routes: [Route] = []
        var rules: [PolicyRule] = []
        for family in Self.families {
            addresses += try decodeEach(type: RTM_GETADDR, reply: RTM_NEWADDR, family: family,
                                        headerSize: AddressDecoder.familyHeaderSize, what: "address", notes: &notes) {
                object, _ in AddressDecoder.decode(object, linkName: linkName)
            }
            routes += try decodeEach(type: RTM_GETROUTE, reply: RTM_NEWROUTE, family: family,
                                     headerSize: RouteDecoder.familyHeaderSize, what: "route", notes: &notes) {
                object, _ in RouteDecoder.decode(object, linkName: linkName)
            }
            rules += try decodeEach(type: RTM_GETRULE, reply: RTM_NEWRULE, family: family,
                                    headerSize: RuleDecoder.familyHeaderSize, what: "policy rule", notes: &notes) {
                object, message in RuleDecoder.decode(object, message: message)
            }
        }
        return RouteState(links: links, addresses: addresses.sorted(by: RouteStateOrder.addresses),
                          routes: routes.sorted(by: RouteStateOrder.routes),
                          policyRules: rules.sorted(by: RouteStateOrder.rules), notes: notes)
    }

    /// All links, with master, lower device, bridge ports and port state resolved by name.
    private func readLinks(notes: inout [CollectionNote]) throws -> [Link] {
        let decoded = try decodeEach(type: RTM_GETLINK, reply: RTM_NEWLINK, family: UInt8(AF_UNSPEC),
                                     headerSize: LinkDecoder.familyHeaderSize, what: "link", notes: &notes) {
            object, message in
            LinkDecoder.decode(object, attributes: message.attributes(familyHeaderSize: LinkDecoder.familyHeaderSize),
                               wireless: { WirelessCheck.isWireless(name: $0, index: $1) })
        }
        var byIndex: [Int: Link] = [:]
        for entry in decoded { byIndex[entry.link.index] = entry.link }
        let tcPrograms = try readTCPrograms(notes: &notes)
        let links = decoded.map { entry -> Link in
            var link = entry.link
            link.bpfPrograms = (link.bpfPrograms ?? []) + tcPrograms[link.index, default: []]
            link.master = entry.masterIndex.map { byIndex[$0]?.name ?? "if\($0)" }
            link.parent = entry.lowerIndex.flatMap { byIndex[$0]?.name }
            if let master = entry.masterIndex, let bridge = byIndex[master], bridge.kind == .bridge {
                link.bridgePort = BridgeAttributes.port(slaveData: entry.bridgePortData, bridgeName: bridge.name)
            }
            return link
        }
        var ports: [String: [String]] = [:]
        for link in links { if let master = link.master { ports[master, default: []].append(link.name) } }
        return links.map { link in
            var link = link
            link.bridge?.ports = (ports[link.name] ?? []).sorted()
            return link
        }.sorted { $0.index < $1.index }
    }

    /// The `bpf` filters of every clsact qdisc, by link index: one qdisc dump, then the ingress and egress
    /// filter dumps of each link that has clsact. A filter dump that fails (the qdisc went away meanwhile)
    /// becomes a note.
    private func readTCPrograms(notes: inout [CollectionNote]) throws -> [Int: [BPFAttachment]] {
        let anyQdisc = [UInt8](repeating: 0, count: BPFAttachmentDecoder.tcHeaderSize)
        let qdiscs = try socket.dump(type: RTM_GETQDISC, request: anyQdisc, parse: false)
        let hooks: [(BPFAttachment.Hook, UInt32)] = [(.tcIngress, NetlinkConstants.clsactIngressParent),
                                                     (.tcEgress, NetlinkConstants.clsactEgressParent)]
        var programs: [Int: [BPFAttachment]] = [:]
        for index in Set(qdiscs.compactMap(BPFAttachmentDecoder.clsactLink)).sorted() {
            for (hook, parent) in hooks {
                do {
                    let filters = try socket.dump(type: RTM_GETTFILTER, request: BPFAttachmentDecoder.filterRequest(link: index, parent: parent),
                                                  parse: false)
                    programs[index, default: []] += filters.compactMap { BPFAttachmentDecoder.tcFilter($0, hook: hook) }
                } catch {
                    notes.append(CollectionNote(.warning, source: "netlink", "\(hook.rawValue) filters of link \(index) not read: \(error)"))
                }
            }
        }
        return programs
    }

    /// Dumps one message type and decodes each answer; what cannot be decoded becomes a note.
    private func decodeEach<T>(type: Int, reply: Int, family: UInt8, headerSize: Int, what: String,
                               notes: inout [CollectionNote],
                               _ decode: (LibnlObject, NetlinkMessage) -> T?) throws -> [T] {
        var request = [UInt8](repeating: 0, count: headerSize)
        request[0] = family
        var decoded: [T] = []
        for message in try socket.dump(type: type, request: request, parse: true) where Int(message.type) == reply {
            guard let object = message.object else {
                let reason = message.parseError?.description ?? "libnl returned no object"
                notes.append(CollectionNote(.warning, source: "netlink", "\(what) message not decoded: \(reason)"))
                continue
            }
            guard let value = decode(object, message) else {
                notes.append(CollectionNote(.warning, source: "netlink",
                                            "\(what) message of family \(family) without a usable address skipped"))
                continue
            }
            if message.attributes(familyHeaderSize: headerSize).truncated {
                notes.append(CollectionNote(.warning, source: "netlink",
                                            "\(what) message with malformed attributes: read up to the first bad one"))
            }
            decoded.append(value)
        }
        return decoded
    }
}
