import VNetJudge
import VNetModel

/// One check (a network's claim or catalogue rule, or a host finding) compared across two reports,
/// matched by network, id and address family.
public struct CheckChange: Codable, Sendable, Hashable {
    public enum Change: String, Codable, Sendable, Hashable, CaseIterable {
        /// Its status got worse (pass < warn < inconclusive < fail).
        case regressed
        case improved
        /// Only the after report has it.
        case new
        /// Only the before report has it.
        case gone
        case unchanged
    }

    /// nil for a host finding.
    public var network: String?
    public var id: String
    public var family: AddressFamily?
    public var kind: Finding.Kind
    public var title: String
    public var change: Change
    public var before: CheckStatus?
    public var after: CheckStatus?
    /// The message of the after report (of the before report for a gone check).
    public var message: String
    /// The state changes that explain a regressed, improved or new non-passing check; empty when none
    /// does; nil when unknown (a report without its state) or not asked (unchanged, gone).
    public var explainedBy: [StateChange]?

    /// A regression: worse than before, or new and not passing.
    public var isRegression: Bool {
        change == .regressed || (change == .new && (after ?? .pass) > .pass)
    }

    /// Worth a reader's look: anything but an unchanged check.
    public var isChange: Bool { change != .unchanged }

    /// Which changes deserve an explanation.
    var wantsExplanation: Bool { change == .regressed || change == .improved || isRegression }

    init(network: String?, before: Finding?, after: Finding?) {
        let finding = after ?? before!
        self.network = network
        id = finding.id
        family = finding.family
        kind = finding.kind
        title = finding.title
        self.before = before?.status
        self.after = after?.status
        message = finding.message
        switch (before?.status, after?.status) {
        case let (old?, new?): change = new > old ? .regressed : new < old ? .improved : .unchanged
        case (nil, _): change = .new
        case (_, nil): change = .gone
        }
    }

    /// Pairs the findings of both sides by (id, family), in order when a key repeats; then pairs what is
    /// left by id alone (a check that gained or lost its address family is still the same check).
    static func pair(network: String?, before: [Finding], after: [Finding]) -> [(before: Finding?, after: Finding?)] {
        struct Key: Hashable { var id: String, family: AddressFamily? }
        var pairs: [(before: Int?, after: Int?)] = before.indices.map { ($0, nil) }
        var taken = Set<Int>()
        for keyOf in [{ (f: Finding) in Key(id: f.id, family: f.family) }, { (f: Finding) in Key(id: f.id, family: nil) }] {
            var candidates = Dictionary(grouping: after.indices.filter { !taken.contains($0) }, by: { keyOf(after[$0]) })
            for (offset, pair) in pairs.enumerated() where pair.after == nil {
                let key = keyOf(before[pair.before!])
                guard var free = candidates[key], !free.isEmpty else { continue }
                let index = free.removeFirst()
                candidates[key] = free
                taken.insert(index)
                pairs[offset].after = index
            }
        }
        let unpaired: [(before: Int?, after: Int?)] = after.indices.filter { !taken.contains($0) }.map { (nil, $0) }
        return (pairs + unpaired).map { (before: $0.before.map { before[$0] }, after: $0.after.map { after[$0] }) }
    }
}

/// One network compared across two reports.
public struct NetworkChange: Codable, Sendable, Hashable {
    public enum Presence: String, Codable, Sendable, Hashable {
        case added, removed, kept
    }

    public var name: String
    public var presence: Presence
    public var mode: ForwardMode
    public var verdictBefore: CheckStatus?
    public var verdictAfter: CheckStatus?
    /// Every check of the network, changed or not: regressions first, unchanged last.
    public var checks: [CheckChange]

    public var regressed: Bool { checks.contains(where: \.isRegression) }
    public var changed: Bool { presence != .kept || verdictBefore != verdictAfter || checks.contains(where: \.isChange) }
}
