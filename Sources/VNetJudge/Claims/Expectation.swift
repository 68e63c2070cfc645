import VNetEvaluate
import VNetModel

/// What a claim expects of one trial, and how a trial measures up to it.
enum Expectation {
    /// Forwarded out of `device` (any device but the bridge when nil), with the source translation `nat`.
    case leaves(through: String?, nat: SourceNAT)
    /// Forwarded to the guests on `bridge`.
    case reaches(bridge: String)
    /// Delivered to the host itself (INPUT accepts it).
    case delivered
    /// Never forwarded to the guests on `bridge` (dropped, rejected or sent elsewhere).
    case keptFrom(bridge: String)
    /// Never forwarded out of the host (to anything but `bridge`'s own guests).
    case keptIn(bridge: String)
    /// A bridged frame that the bridge passes on (no netfilter chain drops it).
    case bridged

    enum SourceNAT {
        /// Translated to an address outside `guests` (masquerade or snat): a nat network.
        case required(guests: IPPrefix)
        /// Left with the guest's own address: a routed network.
        case forbidden
        case either
    }
}

/// How one trial measured up: status, a sentence naming the packet and what decided, and the cause a
/// remediation answers.
struct TrialVerdict {
    let trial: Trial
    let status: CheckStatus
    let sentence: String
    let cause: Cause?

    enum Cause {
        /// Stopped where it should pass: by a firewall chain, or by routing or a sysctl.
        case stopped
        /// Passed where it should be stopped.
        case passed
        /// Forwarded out of `device` instead of the expected uplink.
        case wrongEgress(String?)
        /// Left a nat network with a guest address.
        case untranslated
        /// Left a routed network translated.
        case translated
        /// Translated to an address that is not the egress device's: replies do not come back to the host.
        case translatedAway
    }

    /// Judges `trial` against `expectation`. An undecided fate is inconclusive, never a guess.
    init(_ trial: Trial, _ expectation: Expectation) {
        let packet = trial.packetText
        if trial.fate == .unknown {
            self.init(trial, .inconclusive, "\(packet): undecided because of \(trial.decider)", nil)
            return
        }
        if !trial.bpfPrograms.isEmpty {
            self.init(trial, .inconclusive, "\(packet): BPF programs on its way can drop, redirect or rewrite it where netfilter cannot be seen (\(trial.bpfPrograms.joined(separator: "; "))); the rules alone say \(trial.fate.rawValue)", nil)
            return
        }
        switch expectation {
        case .leaves(let uplink, let nat):
            guard trial.fate == .accepted else {
                self.init(trial, .fail, "\(packet) is \(trial.fate.rawValue): \(trial.decider)", .stopped)
                return
            }
            guard let egress = trial.egress, egress == uplink || (uplink == nil && egress != trial.probe.inInterface) else {
                let out = trial.egress.map { "routed out of \($0)" } ?? "delivered to the host itself"
                self.init(trial, .warn, "\(packet) is \(out), not out of \(uplink ?? "an uplink")", .wrongEgress(trial.egress))
                return
            }
            let translation = trial.report.sourceTranslation.map { text in
                trial.report.sourceAfterNAT.map { "as \($0) (\(text))" } ?? text
            }
            switch (nat, trial.sourceTranslation) {
            case (.required(let guests), .snat(let range, _)?) where range.map({ guests.contains($0.low) || guests.contains($0.high) }) ?? false:
                self.init(trial, .fail, "\(packet) leaves \(egress) with a guest address: \(translation ?? "snat")", .untranslated)
            case (.required, nil):
                self.init(trial, .fail, "\(packet) leaves \(egress) untranslated, with the guest's own address \(trial.probe.source): no masquerade or snat rule matched in postrouting", .untranslated)
            case (.required, _?):
                let translated = translation ?? "translated"
                switch trial.translatedSourceOwner {
                case .egress?, nil:
                    self.init(trial, .pass, "\(packet) leaves \(egress), \(translated)", nil)
                case .otherDevice(let device, let address)?:
                    self.init(trial, .warn, "\(packet) leaves \(egress) \(translated), but \(address) is an address of \(device), not of \(egress): replies come back only if the LAN routes \(address) to this host", .translatedAway)
                case .notTheHosts(let address)?:
                    self.init(trial, .fail, "\(packet) leaves \(egress) \(translated), but this host does not own \(address): replies never come back", .translatedAway)
                case .unknown(let why)?:
                    self.init(trial, .inconclusive, "\(packet) leaves \(egress) \(translated); whether replies come back is undecided: \(why)", nil)
                }
            case (.forbidden, _?):
                self.init(trial, .warn, "\(packet) leaves \(egress) translated (\(translation ?? "source nat")) although a routed network keeps guest addresses", .translated)
            case (.forbidden, nil), (.either, nil):
                self.init(trial, .pass, "\(packet) leaves \(egress) with the guest's own address", nil)
            case (.either, _?):
                self.init(trial, .pass, "\(packet) leaves \(egress), \(translation ?? "translated")", nil)
            }
        case .reaches(let bridge):
            if trial.fate == .accepted, trial.egress == bridge {
                self.init(trial, .pass, "\(packet) reaches the guest through \(bridge)", nil)
            } else if trial.fate == .accepted {
                let out = trial.egress.map { "routed out of \($0)" } ?? "delivered to the host itself"
                self.init(trial, .fail, "\(packet) is \(out), not to \(bridge)", .wrongEgress(trial.egress))
            } else {
                self.init(trial, .fail, "\(packet) is \(trial.fate.rawValue): \(trial.decider)", .stopped)
            }
        case .delivered:
            if trial.deliveredLocally {
                self.init(trial, .pass, "\(packet) is delivered to the host", nil)
            } else if trial.fate == .accepted {
                self.init(trial, .fail, "\(packet) is routed out of \(trial.egress ?? "?") instead of to the host", .wrongEgress(trial.egress))
            } else {
                self.init(trial, .fail, "\(packet) is \(trial.fate.rawValue): \(trial.decider)", .stopped)
            }
        case .keptFrom(let bridge):
            if trial.fate == .accepted, trial.egress == bridge {
                self.init(trial, .fail, "\(packet) reaches the guest through \(bridge)\(trial.acceptedBy.map { ", accepted by \($0)" } ?? ": no chain stops it")", .passed)
            } else if trial.fate == .accepted {
                self.init(trial, .pass, "\(packet) does not reach \(bridge): \(trial.egress.map { "routed out of \($0)" } ?? "delivered to the host")", nil)
            } else {
                self.init(trial, .pass, "\(packet) is \(trial.fate.rawValue): \(trial.decider)", nil)
            }
        case .bridged:
            if trial.fate == .accepted {
                self.init(trial, .pass, "\(packet) is passed on\(trial.path.evidence.isEmpty ? "" : " (\(trial.path.evidence.joined(separator: "; ")))")", nil)
            } else {
                self.init(trial, .fail, "\(packet) is \(trial.fate.rawValue): \(trial.decider)", .stopped)
            }
        case .keptIn(let bridge):
            if trial.fate == .accepted, let egress = trial.egress, egress != bridge {
                self.init(trial, .fail, "\(packet) leaves the host out of \(egress)\(trial.acceptedBy.map { ", accepted by \($0)" } ?? ": no chain stops it")", .passed)
            } else if trial.fate == .accepted {
                self.init(trial, .pass, "\(packet) stays on the host: \(trial.egress.map { "routed to \($0)" } ?? "delivered locally")", nil)
            } else {
                self.init(trial, .pass, "\(packet) is \(trial.fate.rawValue): \(trial.decider)", nil)
            }
        }
    }

    private init(_ trial: Trial, _ status: CheckStatus, _ sentence: String, _ cause: Cause?) {
        self.trial = trial
        self.status = status
        self.sentence = sentence
        self.cause = cause
    }
}

extension Trial {
    /// The rules that accepted the packet at the forward hook, as `table chain: rule`; nil when none did
    /// (every chain ended by its policy, or no chain is registered).
    var acceptedBy: String? {
        let accepts = forwardAccepts.map { "\($0.step.family.rawValue) \($0.step.table) \($0.hit.chain): \($0.hit.text)" }
        return accepts.isEmpty ? nil : accepts.joined(separator: "; ")
    }

    /// The accept rules the packet met at the forward hook, with their base chains.
    var forwardAccepts: [(step: PathStep, hit: RuleHit)] {
        path.firewall.steps.filter { $0.hook == .forward }.flatMap { step in
            step.hits.filter { if case .accept? = $0.action { return true } else { return false } }.map { (step, $0) }
        }
    }
}
