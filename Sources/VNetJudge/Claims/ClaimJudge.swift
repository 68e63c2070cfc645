import VNetEvaluate
import VNetModel

/// Judges the claims of a network's forward mode from the rule set alone (see docs/claims.md).
public enum ClaimJudge {
    /// The claim findings of `network` on `host`, per address family, each with the explain path of the
    /// packet that decided it.
    public static func judge(_ network: LibvirtNetwork, on host: HostState) -> [Finding] {
        []  // built in issue 3
    }
}
