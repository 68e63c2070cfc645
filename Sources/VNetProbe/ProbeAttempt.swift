import VNetModel

/// One packet exchange a probe port tried, and what came back (as the probe's socket saw it; the
/// verdicts come from the captured packets).
public struct ProbeAttempt: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        case icmpEcho = "icmp-echo", tcpConnect = "tcp-connect", udpDNS = "udp-dns", dhcpDiscover = "dhcp-discover",
             dnsToHost = "dns-to-host", inboundTCP = "inbound-tcp"
    }

    public enum Outcome: String, Sendable, Codable {
        /// An answer (echo reply, accepted connection, DNS answer, DHCP offer).
        case answered
        /// A refusal (TCP reset, ICMP unreachable): something answered, negatively.
        case refused
        case timedOut = "timed-out"
        /// The attempt could not be made (no route from the probe, a socket error).
        case failed
    }

    public var kind: Kind
    public var family: AddressFamily
    public var source: String
    public var destination: String
    public var outcome: Outcome
    public var detail: String

    /// `tcp-connect 192.168.122.254 -> 203.0.113.1:443: refused (connection refused)`.
    public var summary: String {
        "\(kind.rawValue) \(source) -> \(destination): \(outcome.rawValue)" + (detail.isEmpty ? "" : " (\(detail))")
    }
}
