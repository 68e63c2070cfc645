import CNetlink
import Foundation
import VNetModel
#if canImport(Glibc)
import Glibc
#endif

/// Whether a candidate address already answers on the probe's link, asked from inside the probe's
/// namespace: an RFC 5227 ARP probe (sender 0.0.0.0) for IPv4; for IPv6 the kernel's duplicate address
/// detection (neighbour solicitations) on the added address, read back from if_inet6.
enum AddressInUseCheck {
    static let arpWait: TimeInterval = 0.4
    static let dadWait: TimeInterval = 3

    /// True when someone answered the ARP probe for `candidate` on `interface`.
    static func arpAnswered(_ candidate: IPAddress, interface: String, mac: [UInt8]) throws -> Bool {
        let fd = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), Int32(UInt16(ETHERTYPE_ARP).bigEndian))
        guard fd >= 0 else { throw ProbeError.system("socket(AF_PACKET)", errno) }
        defer { close(fd) }
        var link = sockaddr_ll()
        link.sll_family = UInt16(AF_PACKET)
        link.sll_protocol = UInt16(ETHERTYPE_ARP).bigEndian
        link.sll_ifindex = try ProbeNetlink.index(of: interface)
        link.sll_halen = 6
        withUnsafeMutableBytes(of: &link.sll_addr) { $0.copyBytes(from: [UInt8](repeating: 0xff, count: 6)) }
        var request: [UInt8] = [0, 1, 8, 0, 6, 4, 0, 1] + mac + [0, 0, 0, 0] + [0, 0, 0, 0, 0, 0] + candidate.bytes
        let sent = withUnsafePointer(to: &link) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, &request, request.count, 0, $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
            }
        }
        guard sent >= 0 else { throw ProbeError.system("sendto (ARP probe)", errno) }
        let deadline = Date() + arpWait
        var buffer = [UInt8](repeating: 0, count: 128)
        while deadline.timeIntervalSinceNow > 0 {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(deadline.timeIntervalSinceNow * 1000) + 1) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            // A reply (op 2) whose sender is the candidate: the address is taken.
            if n >= 28, buffer[7] == 2, Array(buffer[14..<18]) == candidate.bytes { return true }
        }
        return false
    }

    /// Waits until the kernel's DAD on `address` ends: true when it failed (someone has the address).
    static func duplicateDetected(_ address: IPAddress) -> Bool {
        let hex = address.bytes.map { String(format: "%02x", $0) }.joined()
        let deadline = Date() + dadWait
        while deadline.timeIntervalSinceNow > 0 {
            guard let table = try? String(contentsOfFile: "/proc/thread-self/net/if_inet6", encoding: .utf8) else { return false }
            guard let line = table.split(separator: "\n").first(where: { $0.hasPrefix(hex) }) else { return false }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5, let flags = UInt32(fields[4], radix: 16) else { return false }
            if flags & UInt32(IFA_F_DADFAILED) != 0 { return true }
            if flags & UInt32(IFA_F_TENTATIVE) == 0 { return false }
            usleep(100_000)
        }
        return false
    }
}
