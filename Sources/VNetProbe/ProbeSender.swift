import Foundation
import VNetModel
#if canImport(Glibc)
import Glibc
#endif

/// The exchanges a probe port makes, each from a socket made inside the probe's namespace (the caller
/// runs them there) and bounded by `timeout`: ICMP echo, TCP connect and a DNS query over UDP to each
/// target; a DHCP discover and a DNS query to the host's own address on the bridge.
enum ProbeSender {
    static let timeout: TimeInterval = 1.5
    /// dnsmasq pings an address (up to 3 s) before it offers it.
    static let dhcpTimeout: TimeInterval = 4
    /// A name every resolver answers for itself, so a DNS probe sends no query anywhere else.
    static let queryName = "localhost"

    static func icmpEcho(from source: IPAddress, to target: IPAddress, identifier: UInt16) -> ProbeAttempt {
        attempt(.icmpEcho, source, target.description) {
            let v4 = target.family == .ipv4
            let socket = try ProbeSocket(family: target.family, type: SOCK_RAW, protocol: v4 ? Int32(IPPROTO_ICMP) : Int32(IPPROTO_ICMPV6))
            try socket.bind(source, port: 0)
            var message: [UInt8] = [v4 ? 8 : 128, 0, 0, 0, UInt8(identifier >> 8), UInt8(identifier & 0xff), 0, 1]
            message += Array("vnetaudit probe".utf8)
            if v4 {  // the kernel sums ICMPv6 itself, not ICMP
                let sum = internetChecksum(message)
                message[2] = UInt8(sum >> 8); message[3] = UInt8(sum & 0xff)
            }
            try socket.send(message, to: target, port: 0)
            let reply = socket.receive(until: Date() + timeout) { datagram in
                // IPv4 raw sockets deliver the IP header too; IPv6 ones only the ICMPv6 message.
                let icmp = v4 ? Array(datagram.dropFirst(Int(datagram.first ?? 0x45) & 0x0f * 4)) : datagram
                guard icmp.count >= 8, icmp[4] == UInt8(identifier >> 8), icmp[5] == UInt8(identifier & 0xff) else { return false }
                return icmp[0] == (v4 ? 0 : 129) || icmp[0] == (v4 ? 3 : 1)
            }
            switch reply {
            case .success(let datagram)?:
                let type = v4 ? datagram.dropFirst(Int(datagram[0] & 0x0f) * 4).first : datagram.first
                return type == (v4 ? 0 : 129) ? (.answered, "echo reply") : (.refused, "destination unreachable")
            case .failure(let error)?: return (.failed, error.description)
            case nil: return (.timedOut, "")
            }
        }
    }

    static func tcpConnect(from source: IPAddress, to target: IPAddress, port: UInt16) -> ProbeAttempt {
        attempt(.tcpConnect, source, ProbeTarget(address: target, port: port).description) {
            let socket = try ProbeSocket(family: target.family, type: SOCK_STREAM, protocol: 0)
            try socket.bind(source, port: 0)
            return connectOutcome(socket.connect(to: target, port: port, until: Date() + timeout))
        }
    }

    static func connectOutcome(_ code: Int32) -> (ProbeAttempt.Outcome, String) {
        switch code {
        case 0: return (.answered, "connected")
        case ETIMEDOUT: return (.timedOut, "")
        case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH: return (.refused, String(cString: strerror(code)))
        default: return (.failed, String(cString: strerror(code)))
        }
    }

    /// A DNS query over UDP (to a target's port 53 or the host's address): any DNS answer counts.
    static func dnsQuery(_ kind: ProbeAttempt.Kind, from source: IPAddress, to server: IPAddress, identifier: UInt16) -> ProbeAttempt {
        attempt(kind, source, ProbeTarget(address: server, port: 53).description) {
            let socket = try ProbeSocket(family: server.family, type: SOCK_DGRAM, protocol: 0)
            try socket.bind(source, port: 0)
            try socket.connectDatagram(to: server, port: 53)
            var query: [UInt8] = [UInt8(identifier >> 8), UInt8(identifier & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
            for label in queryName.split(separator: ".") { query += [UInt8(label.utf8.count)] + Array(label.utf8) }
            query += [0, 0, 1, 0, 1]
            try socket.send(query, to: server, port: 53)
            switch socket.receive(until: Date() + timeout, accept: { $0.count >= 12 && $0[0] == query[0] && $0[1] == query[1] && $0[2] & 0x80 != 0 }) {
            case .success(let answer)?: return (.answered, "rcode \(answer[3] & 0x0f)")
            case .failure(let error)?:
                if case .system(_, ECONNREFUSED) = error { return (.refused, "port unreachable") }
                return (.failed, error.description)
            case nil: return (.timedOut, "")
            }
        }
    }

    /// A DHCP discover broadcast on the probe's link with the broadcast flag set, so the offer comes back
    /// broadcast; a discover commits the server to nothing (no lease is written without a request).
    static func dhcpDiscover(interface: String, mac: [UInt8], transaction: UInt32) -> ProbeAttempt {
        attempt(.dhcpDiscover, .ipv4, "0.0.0.0:68", "255.255.255.255:67") {
            let socket = try ProbeSocket(family: .ipv4, type: SOCK_DGRAM, protocol: 0)
            socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            socket.setOption(SOL_SOCKET, SO_BROADCAST, 1)
            socket.bindToDevice(interface)
            try socket.bind(IPAddress(ipv4: 0), port: 68)
            var message = [UInt8](repeating: 0, count: 240)
            message[0] = 1; message[1] = 1; message[2] = 6
            for i in 0..<4 { message[4 + i] = UInt8(truncatingIfNeeded: transaction >> (24 - 8 * UInt32(i))) }
            message[10] = 0x80  // broadcast flag
            for (i, byte) in mac.enumerated() { message[28 + i] = byte }
            message[236...239] = [99, 130, 83, 99]
            message += [53, 1, 1, 55, 3, 1, 3, 6, 255]
            try socket.send(message, to: IPAddress(ipv4: 0xffff_ffff), port: 67)
            let offer = socket.receive(until: Date() + dhcpTimeout) { reply in
                reply.count >= 240 && reply[0] == 2 && Array(reply[4..<8]) == Array(message[4..<8])
            }
            switch offer {
            case .success(let reply)?:
                return (.answered, "offer of \(IPAddress(bytes: reply[16..<20]).map(String.init(describing:)) ?? "?")")
            case .failure(let error)?: return (.failed, error.description)
            case nil: return (.timedOut, "")
            }
        }
    }

    private static func attempt(_ kind: ProbeAttempt.Kind, _ source: IPAddress, _ destination: String,
                                _ body: () throws -> (ProbeAttempt.Outcome, String)) -> ProbeAttempt {
        attempt(kind, source.family, source.description, destination, body)
    }

    private static func attempt(_ kind: ProbeAttempt.Kind, _ family: AddressFamily, _ source: String, _ destination: String,
                                _ body: () throws -> (ProbeAttempt.Outcome, String)) -> ProbeAttempt {
        let (outcome, detail): (ProbeAttempt.Outcome, String)
        do {
            (outcome, detail) = try body()
        } catch {
            (outcome, detail) = (.failed, "\(error)")
        }
        return ProbeAttempt(kind: kind, family: family, source: source, destination: destination, outcome: outcome, detail: detail)
    }

    /// RFC 1071.
    static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count { sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
