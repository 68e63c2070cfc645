/// The outcome of one check. Ordered by how much it should worry the reader: a network's verdict is the
/// worst of its checks. `inconclusive` ranks above `warn`: an auditor cannot sign off what was not decided.
public enum CheckStatus: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case pass, warn, inconclusive, fail

    private var rank: Int {
        switch self {
        case .pass: return 0
        case .warn: return 1
        case .inconclusive: return 2
        case .fail: return 3
        }
    }

    public static func < (lhs: CheckStatus, rhs: CheckStatus) -> Bool { lhs.rank < rhs.rank }

    /// The worst of `statuses`; `pass` when there are none.
    public static func worst<S: Sequence>(_ statuses: S) -> CheckStatus where S.Element == CheckStatus {
        statuses.max() ?? .pass
    }
}
