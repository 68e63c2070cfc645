/// Kleene logic for matches the evaluator may be unable to decide: `unknown` is never read as `no`.
public enum ThreeValued: Sendable, Hashable {
    case yes, no, unknown

    public init(_ value: Bool) { self = value ? .yes : .no }

    public static prefix func ! (v: ThreeValued) -> ThreeValued {
        switch v {
        case .yes: return .no
        case .no: return .yes
        case .unknown: return .unknown
        }
    }

    public static func && (a: ThreeValued, b: ThreeValued) -> ThreeValued {
        if a == .no || b == .no { return .no }
        if a == .yes && b == .yes { return .yes }
        return .unknown
    }

    public static func || (a: ThreeValued, b: ThreeValued) -> ThreeValued {
        if a == .yes || b == .yes { return .yes }
        if a == .no && b == .no { return .no }
        return .unknown
    }

    /// True when any of `values` is (Kleene OR, `no` for none).
    static func any<S: Sequence>(_ values: S, _ test: (S.Element) -> ThreeValued) -> ThreeValued {
        var result = ThreeValued.no
        for v in values {
            result = result || test(v)
            if result == .yes { return .yes }
        }
        return result
    }
}
