/// How many of something (hosts, networks, checks) have each status; every status present, zeros included,
/// so a reader never has to tell "none" from "not counted".
public struct StatusCounts: Codable, Sendable, Hashable {
    public var pass = 0
    public var warn = 0
    public var inconclusive = 0
    public var fail = 0

    public init<S: Sequence>(_ statuses: S) where S.Element == CheckStatus {
        for status in statuses { self[status] += 1 }
    }

    /// The same counts as a check report's summary keeps them.
    public init(_ counts: [CheckStatus: Int]) {
        for (status, count) in counts { self[status] = count }
    }

    public subscript(status: CheckStatus) -> Int {
        get {
            switch status {
            case .pass: pass
            case .warn: warn
            case .inconclusive: inconclusive
            case .fail: fail
            }
        }
        set {
            switch status {
            case .pass: pass = newValue
            case .warn: warn = newValue
            case .inconclusive: inconclusive = newValue
            case .fail: fail = newValue
            }
        }
    }

    public var total: Int { pass + warn + inconclusive + fail }

    public static func + (lhs: StatusCounts, rhs: StatusCounts) -> StatusCounts {
        var sum = lhs
        for status in CheckStatus.allCases { sum[status] += rhs[status] }
        return sum
    }
}
