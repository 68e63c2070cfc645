import VNetEvaluate
import VNetModel

/// One claim under test: its trials, each with what the claim expects of it, judged into one finding.
struct ClaimCheck {
    struct Case {
        let trial: Trial
        let expectation: Expectation
        /// The rule that would let the expected packet through, for the remediation of a stopped one.
        let opening: OpeningRule?
    }

    let id: String
    let title: String
    let family: AddressFamily?
    /// Names the network, bridge and family at the start of the message.
    let subject: String
    var cases: [Case] = []
    /// What a failed trial counts as: `fail` for libvirt's promises; `warn` or `pass` where the mode
    /// promises nothing and the finding only reports what the host lets through.
    var failureStatus: CheckStatus = .fail
    /// The message when there is nothing to send (no uplink, no DHCP range).
    var emptyMessage = "nothing to test"
    /// Said after the trials' sentences (how a destination was chosen).
    var notes: [String] = []

    mutating func expect(_ trial: Trial, _ expectation: Expectation, opening: OpeningRule? = nil) {
        cases.append(Case(trial: trial, expectation: expectation, opening: opening))
    }

    /// The worst trial decides the status; the message, evidence and remediation are those of the
    /// trials with that status (every trial's walk for a pass).
    func finding(_ remedy: ClaimRemedy) -> Finding {
        let verdicts = cases.map { ($0, TrialVerdict($0.trial, $0.expectation)) }
        let status = { (v: TrialVerdict) in v.status == .fail ? failureStatus : v.status }
        guard let worst = verdicts.map({ status($0.1) }).max() else {
            return Finding(id: id, kind: .claim, title: title, status: .pass, message: "\(subject): \(emptyMessage)",
                           family: family, evidence: [.state(emptyMessage, source: subject)])
        }
        let deciding = verdicts.filter { status($0.1) == worst }
        let remediation = worst == .pass ? nil
            : deciding.lazy.compactMap { remedy.remediation(for: $0.1, opening: $0.0.opening) }.first
        return Finding(id: id, kind: .claim, title: title, status: worst,
                       message: "\(subject): " + deciding.map(\.1.sentence).joined(separator: "; ")
                           + notes.map { " (\($0))" }.joined(),
                       family: family,
                       evidence: deciding.map { Evidence.path($0.1.sentence, $0.1.trial.report) },
                       remediation: remediation)
    }
}
