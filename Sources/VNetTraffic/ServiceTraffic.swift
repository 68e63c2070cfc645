import VNetJudge
import VNetModel

/// DHCP and DNS on a network's bridge: every request answered. A request in the last second of a capture
/// may just not have had its answer yet and is left out.
enum ServiceTraffic {
    static func drafts(_ t: NetworkTraffic) -> [TrafficDraft] {
        [dhcp(t), dns(t)].compactMap { $0 }
    }

    private static func dhcp(_ t: NetworkTraffic) -> TrafficDraft? {
        let servesDHCP = t.network.ips.contains { $0.family == t.family && (!$0.dhcpRanges.isEmpty || !$0.dhcpHosts.isEmpty) }
        guard servesDHCP, !t.isBridgeMode else { return nil }
        var requests: [(InterfaceTraffic, DHCPSighting)] = []
        var answeredIDs = Set<UInt32>()
        for side in t.sides {
            for message in side.dhcp where message.family == t.family {
                if message.isAnswer { answeredIDs.insert(message.transactionID) }
                if message.isRequest && message.time + NetworkTraffic.grace <= side.endTime { requests.append((side, message)) }
            }
        }
        let transactions = Dictionary(grouping: requests, by: { $0.1.transactionID })
        guard !transactions.isEmpty else { return nil }
        let unanswered = transactions.filter { !answeredIDs.contains($0.key) }
        return verdict(t, id: "traffic.dhcp-answered", title: "DHCP requests are answered", what: "DHCP",
                       total: transactions.count, unanswered: unanswered.values.map { $0.map { $0.0.ref($0.1.frame) } },
                       labels: unanswered.map { "transaction 0x\(String($0.key, radix: 16)) from \($0.value[0].1.client)" },
                       answeredFrames: t.sides.flatMap { side in side.dhcp.filter { $0.family == t.family }.map { side.ref($0.frame) } },
                       remediation: Remediation("Check that the network's dnsmasq runs and that the host firewall accepts DHCP from the bridge",
                                                commands: ["virsh net-destroy \(t.network.name) && virsh net-start \(t.network.name)"]))
    }

    private static func dns(_ t: NetworkTraffic) -> TrafficDraft? {
        var queries: [String: [FrameRef]] = [:]
        var labels: [String: String] = [:]
        var answered = Set<String>()
        var frames: [FrameRef] = []
        for side in t.sides {
            // The probe's query to its target asks whether a packet gets there, not whether it serves DNS.
            for message in side.dns where message.client.address.family == t.family && t.isGuest(message.client.address)
                && !(t.probeAddresses.contains(message.client.address) && !t.hostAddresses.contains(message.server.address)) {
                let key = "\(message.client)/\(message.server.address)/\(message.id)"
                frames.append(side.ref(message.frame))
                if message.isResponse {
                    answered.insert(key)
                } else if message.time + NetworkTraffic.grace <= side.endTime {
                    queries[key, default: []].append(side.ref(message.frame))
                    labels[key] = "\(message.name ?? "?") from \(message.client) to \(message.server.address)"
                }
            }
        }
        guard !queries.isEmpty else { return nil }
        let unanswered = queries.filter { !answered.contains($0.key) }
        return verdict(t, id: "traffic.dns-answered", title: "DNS queries are answered", what: "DNS",
                       total: queries.count, unanswered: Array(unanswered.values),
                       labels: unanswered.keys.sorted().compactMap { labels[$0] }, answeredFrames: frames,
                       remediation: Remediation("Check that the network's dnsmasq runs and that the host firewall accepts DNS from the bridge",
                                                commands: ["virsh net-destroy \(t.network.name) && virsh net-start \(t.network.name)"]))
    }

    /// All unanswered: fail; some: warn; none: pass.
    private static func verdict(_ t: NetworkTraffic, id: String, title: String, what: String, total: Int,
                                unanswered: [[FrameRef]], labels: [String], answeredFrames: [FrameRef],
                                remediation: Remediation) -> TrafficDraft {
        let name = t.network.name, fam = Wording.family(t.family)
        var draft = TrafficDraft(id: id, title: title, status: .pass, message: "", family: t.family)
        if unanswered.isEmpty {
            draft.message = "network \(name) (\(fam)): all \(total) \(what) request\(total == 1 ? "" : "s") on \(t.sides.map(\.interface).joined(separator: ", ")) answered"
            draft.frames = answeredFrames
            draft.evidenceSummary = "\(what) requests and answers"
        } else {
            draft.status = unanswered.count == total ? .fail : .warn
            draft.message = "network \(name) (\(fam)): \(unanswered.count) of \(total) \(what) request\(total == 1 ? "" : "s") never answered ("
                + labels.prefix(3).joined(separator: "; ") + (labels.count > 3 ? "; ..." : "") + ")"
            draft.frames = unanswered.flatMap { $0 }
            draft.evidenceSummary = "\(what) requests that got no answer"
            draft.remediation = remediation
        }
        return draft
    }
}
