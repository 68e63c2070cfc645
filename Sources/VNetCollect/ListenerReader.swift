import CNetlink
import Foundation
import VNetModel
#if canImport(Glibc)
import Glibc
#endif

/// Finds the sockets bound to the DNS and DHCP ports and the processes holding them. Sockets come
/// from /proc/thread-self/net/{tcp,tcp6,udp,udp6} (not /proc/self/net, which shows the main
/// thread's namespace: `NetworkNamespace.run` enters a namespace on one thread only); owners from
/// the `socket:[inode]` links in /proc/PID/fd; bound devices from sock_diag. Listening TCP sockets
/// come from sock_diag when it answers: reading /proc/net/tcp makes the kernel walk every bucket of
/// the established-connection table (milliseconds on a large host, even with no connection).
///
/// TCP sockets count in the listening state, UDP sockets when unconnected. Sockets equal in
/// transport, address, port and device (SO_REUSEPORT groups, one socket per thread) are one
/// listener with all their processes.
public enum ListenerReader {
    public static func read(ports: Set<Int> = [53, 67, 547]) -> [Listener] {
        read(ports: ports, procNet: "/proc/thread-self/net", proc: "/proc", diagnostics: try? SocketDiagnostics())
    }

    /// `diagnostics`, when given, must see the namespace `procNet` shows.
    static func read(ports: Set<Int>, procNet: String, proc: String, diagnostics: SocketDiagnostics? = nil) -> [Listener] {
        var sockets: [ProcNetSocket] = []
        for table in ProcNetTable.allCases {
            if table.transport == .tcp, let diagnostics,
               let listening = try? diagnostics.sockets(family: UInt8(table.family == .ipv4 ? AF_INET : AF_INET6),
                                                        ipProtocol: UInt8(IPPROTO_TCP), states: 1 << UInt32(table.boundState)) {
                sockets += listening.filter { ports.contains($0.port) }.map {
                    ProcNetSocket(transport: .tcp, address: $0.address, port: $0.port, state: table.boundState, inode: $0.inode)
                }
                continue
            }
            guard let text = try? String(contentsOfFile: "\(procNet)/\(table.rawValue)", encoding: .utf8) else { continue }
            sockets += table.parse(text).filter { ports.contains($0.port) && $0.state == table.boundState }
        }
        guard !sockets.isEmpty else { return [] }
        let owners = SocketOwners.find(inodes: Set(sockets.map(\.inode)), proc: proc)
        let devices = boundDeviceNames()

        var merged: [ListenerKey: Set<Listener.Process>] = [:]
        for socket in sockets {
            let key = ListenerKey(transport: socket.transport, address: socket.address, port: socket.port,
                                  boundDevice: devices[socket.inode])
            merged[key, default: []].formUnion(owners[socket.inode] ?? [])
        }
        return merged.map { key, processes in
            Listener(transport: key.transport, address: key.address, port: key.port, boundDevice: key.boundDevice,
                     processes: processes.sorted { ($0.pid, $0.command) < ($1.pid, $1.command) })
        }.sorted { a, b in
            (a.transport.rawValue, a.address, a.port, a.boundDevice ?? "") < (b.transport.rawValue, b.address, b.port, b.boundDevice ?? "")
        }
    }

    /// Device name by socket inode for sockets bound with SO_BINDTODEVICE. Empty when sock_diag
    /// cannot answer (e.g. no udp_diag module): the device is then unknown, never guessed.
    private static func boundDeviceNames() -> [UInt64: String] {
        guard let diagnostics = try? SocketDiagnostics() else { return [:] }
        var names: [UInt64: String] = [:]
        for table in ProcNetTable.allCases {
            guard let indices = try? diagnostics.boundInterfaces(
                family: UInt8(table.family == .ipv4 ? AF_INET : AF_INET6),
                ipProtocol: UInt8(table.transport == .tcp ? IPPROTO_TCP : IPPROTO_UDP),
                states: 1 << UInt32(table.boundState)) else { continue }
            for (inode, index) in indices {
                if let name = interfaceName(index) { names[inode] = name }
            }
        }
        return names
    }

    /// The name of an interface of the calling thread's namespace.
    private static func interfaceName(_ index: Int) -> String? {
        guard let index = UInt32(exactly: index) else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(index, &buffer) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

private struct ListenerKey: Hashable {
    let transport: Listener.Transport
    let address: IPAddress
    let port: Int
    let boundDevice: String?
}

/// One row of a /proc/net socket table.
struct ProcNetSocket: Equatable {
    var transport: Listener.Transport
    var address: IPAddress
    var port: Int
    /// `TCP_*` state number (UDP uses TCP_CLOSE for unconnected sockets).
    var state: Int
    var inode: UInt64
}

/// The four /proc/net socket tables and their text format: `sl local_address rem_address st ...
/// inode`, addresses as hex of the in-memory (network order) words, the port as hex.
enum ProcNetTable: String, CaseIterable {
    case tcp, tcp6, udp, udp6

    var transport: Listener.Transport { self == .tcp || self == .tcp6 ? .tcp : .udp }
    var family: AddressFamily { self == .tcp || self == .udp ? .ipv4 : .ipv6 }
    /// TCP_LISTEN for TCP; TCP_CLOSE (unconnected) for UDP.
    var boundState: Int { transport == .tcp ? 10 : 7 }

    /// Every row that reads; odd rows (the header, short or garbled lines) are passed over.
    func parse(_ text: String) -> [ProcNetSocket] {
        text.split(separator: "\n").compactMap(parseRow)
    }

    func parseRow(_ line: Substring) -> ProcNetSocket? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 10 else { return nil }
        let local = fields[1].split(separator: ":")
        guard local.count == 2, let address = Self.address(hex: local[0], family: family),
              let port = Int(local[1], radix: 16), (0 ... 65535).contains(port),
              let state = Int(fields[3], radix: 16), let inode = UInt64(fields[9]) else { return nil }
        return ProcNetSocket(transport: transport, address: address, port: port, state: state, inode: inode)
    }

    /// The kernel prints each 32-bit word of the address with %08X of its in-memory value, so the
    /// network-order bytes are the word's bytes in host order.
    static func address(hex: Substring, family: AddressFamily) -> IPAddress? {
        let words = family == .ipv4 ? 1 : 4
        guard hex.count == 8 * words, hex.allSatisfy(\.isHexDigit) else { return nil }
        var bytes: [UInt8] = []
        var start = hex.startIndex
        for _ in 0 ..< words {
            let end = hex.index(start, offsetBy: 8)
            guard let word = UInt32(hex[start ..< end], radix: 16) else { return nil }
            withUnsafeBytes(of: word) { bytes += $0 }
            start = end
        }
        return IPAddress(bytes: bytes)
    }
}

/// Which processes hold which sockets: /proc/PID/fd/N links read `socket:[INODE]`. Processes that
/// end or deny access meanwhile are passed over.
enum SocketOwners {
    static func find(inodes: Set<UInt64>, proc: String) -> [UInt64: Set<Listener.Process>] {
        var owners: [UInt64: Set<Listener.Process>] = [:]
        let files = FileManager.default
        guard let entries = try? files.contentsOfDirectory(atPath: proc) else { return [:] }
        for entry in entries {
            guard let pid = Int(entry), pid > 0,
                  let descriptors = try? files.contentsOfDirectory(atPath: "\(proc)/\(entry)/fd") else { continue }
            var command: String?
            for descriptor in descriptors {
                guard let target = try? files.destinationOfSymbolicLink(atPath: "\(proc)/\(entry)/fd/\(descriptor)"),
                      let inode = socketInode(target), inodes.contains(inode) else { continue }
                if command == nil { command = commandName(proc: proc, pid: entry) }
                owners[inode, default: []].insert(Listener.Process(pid: pid, command: command ?? ""))
            }
        }
        return owners
    }

    /// The inode of a `socket:[12345]` link target.
    static func socketInode(_ target: String) -> UInt64? {
        guard target.hasPrefix("socket:["), target.hasSuffix("]") else { return nil }
        return UInt64(target.dropFirst("socket:[".count).dropLast())
    }

    private static func commandName(proc: String, pid: String) -> String? {
        (try? String(contentsOfFile: "\(proc)/\(pid)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
