import VNetModel

/// A rule whose matches the evaluator could not decide. The evaluator walks the path again assuming it
/// matches and assuming it does not; when both walks agree, the fate does not depend on it. The
/// assumption holds for every visit of the rule in one walk.
struct UndecidedRule: Hashable {
    let system: RuleSystem
    let family: TableFamily
    let table: String
    let chain: String
    let position: Int
}
