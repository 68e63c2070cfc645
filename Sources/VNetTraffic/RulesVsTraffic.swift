import VNetJudge
import VNetModel

/// Where the rule set (ClaimJudge, docs/claims.md) and the packets judge the same promise differently.
/// Rules that pass while traffic fails mean the kernel does something the rules read do not show (a table
/// vnetaudit cannot read, a stale snapshot, conntrack entries older than the rules): fail. Rules that fail
/// while traffic passes: warn (the traffic may not have met the failing case).
enum RulesVsTraffic {
    /// Traffic finding id -> the static claim id judging the same promise.
    static let pairs: [String: String] = [
        "traffic.nat.no-guest-address-on-uplink": "claim.nat.outbound-translated",
        "traffic.nat.inbound-refused": "claim.nat.inbound-refused",
        "traffic.isolated.nothing-leaves": "claim.isolated.no-outbound",
        "traffic.isolated.nothing-enters": "claim.isolated.no-inbound",
        "traffic.route.outbound-untranslated": "claim.route.outbound-untranslated",
        "traffic.route.inbound-accepted": "claim.route.inbound-accepted",
    ]

    static func draft(network: LibvirtNetwork, family: AddressFamily, traffic: [TrafficDraft],
                      claims: [Finding]) -> TrafficDraft? {
        var compared: [String] = []
        var disagreements: [(status: CheckStatus, text: String, frames: [FrameRef])] = []
        for draft in traffic {
            guard let claimID = pairs[draft.id], draft.status == .pass || draft.status == .fail,
                  let claim = claims.first(where: { $0.id == claimID && $0.family == family }) else { continue }
            compared.append("\(claimID) \(claim.status.rawValue) / \(draft.id) \(draft.status.rawValue)")
            let rulesAllow = claim.status == .pass || claim.status == .warn
            if rulesAllow && draft.status == .fail {
                disagreements.append((.fail, "the rules pass \(claimID) but traffic fails \(draft.id)", draft.frames))
            } else if claim.status == .fail && draft.status == .pass {
                disagreements.append((.warn, "the rules fail \(claimID) (\(claim.message)) but traffic passes \(draft.id)", draft.frames))
            }
        }
        guard !compared.isEmpty else { return nil }
        let fam = Wording.family(family)
        var draft = TrafficDraft(id: "traffic.rules-vs-traffic", title: "Rules and traffic agree",
                                 status: CheckStatus.worst(disagreements.map(\.status)), message: "", family: family)
        if disagreements.isEmpty {
            draft.message = "network \(network.name) (\(fam)): rules and traffic agree (\(compared.joined(separator: "; ")))"
        } else {
            draft.message = "network \(network.name) (\(fam)): " + disagreements.map(\.text).joined(separator: "; ")
                + ": what the kernel does is not what the rules read say (a table or tool vnetaudit cannot read, a state collected at another time, or connections older than the rules)"
            draft.frames = disagreements.flatMap(\.frames)
            draft.evidenceSummary = "the packets that contradict the rule set"
        }
        return draft
    }
}
