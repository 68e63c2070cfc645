import CNetlink
import Foundation
import VNetModel
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address as the C calls take it.
struct SocketAddress {
    private var storage = sockaddr_storage()
    let length: socklen_t

    init(_ address: IPAddress, port: UInt16) {
        let bytes = address.bytes
        if address.family == .ipv4 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: bytes) }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: withUnsafeBytes(of: sin) { Array($0) }) }
        } else {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: bytes) }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: withUnsafeBytes(of: sin6) { Array($0) }) }
        }
    }

    func withPointer<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }
}

/// Owner of one socket descriptor, with the few operations the probes need, each bounded in time.
final class ProbeSocket {
    let fd: Int32

    init(family: AddressFamily, type: __socket_type, protocol proto: Int32) throws {
        fd = socket(family == .ipv4 ? AF_INET : AF_INET6, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        guard fd >= 0 else { throw ProbeError.system("socket", errno) }
    }

    deinit { close(fd) }

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    func bindToDevice(_ name: String) {
        _ = name.withCString { setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, $0, socklen_t(strlen($0) + 1)) }
    }

    func bind(_ address: IPAddress, port: UInt16) throws {
        let rc = SocketAddress(address, port: port).withPointer { Glibc.bind(fd, $0, $1) }
        guard rc == 0 else { throw ProbeError.system("bind \(address):\(port)", errno) }
    }

    func send(_ bytes: [UInt8], to address: IPAddress, port: UInt16) throws {
        let rc = SocketAddress(address, port: port).withPointer { sa, len in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, sa, len) }
        }
        guard rc >= 0 else { throw ProbeError.system("sendto \(address)", errno) }
    }

    /// Waits up to `deadline` for a datagram `accept` likes; nil at the deadline. A pending socket error
    /// (an ICMP error on a connected socket) is returned as `.failure`.
    func receive(until deadline: Date, accept: ([UInt8]) -> Bool) -> Result<[UInt8], ProbeError>? {
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            guard wait(for: POLLIN, until: deadline) else { return nil }
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return .failure(.system("recv", errno))
            }
            let datagram = Array(buffer[0..<n])
            if accept(datagram) { return .success(datagram) }
        }
    }

    /// A non-blocking connect bounded by `deadline`: 0 connected, an errno (ECONNREFUSED...) or
    /// ETIMEDOUT.
    func connect(to address: IPAddress, port: UInt16, until deadline: Date) -> Int32 {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let rc = SocketAddress(address, port: port).withPointer { Glibc.connect(fd, $0, $1) }
        if rc == 0 { return 0 }
        guard errno == EINPROGRESS else { return errno }
        guard wait(for: POLLOUT, until: deadline) else { return ETIMEDOUT }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        return error
    }

    /// Polls the socket for `events` until it is ready (true) or `deadline` passes (false); a signal's
    /// interruption is retried, any other poll error ends the wait as the deadline would.
    private func wait(for events: Int32, until deadline: Date) -> Bool {
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return false }
            var pfd = pollfd(fd: fd, events: Int16(events), revents: 0)
            let ready = poll(&pfd, 1, Int32(left * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            return ready > 0
        }
    }

    func connectDatagram(to address: IPAddress, port: UInt16) throws {
        let rc = SocketAddress(address, port: port).withPointer { Glibc.connect(fd, $0, $1) }
        guard rc == 0 else { throw ProbeError.system("connect \(address)", errno) }
    }
}

/// SOCK_STREAM, named once: the enum case is hidden once the netlink headers are imported.
let streamSocket = __socket_type(1)
