import Foundation
import Testing
import VNetModel
@testable import VNetCollect
import VNetTestSupport

/// Sockets opened by a python3 process inside a namespace, read back with their owner.
@Suite(.enabled(if: Shell.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
                "needs root for network namespaces, and python3"))
struct ListenerReaderTests {
    /// Binds DNS on the bridge address (UDP and TCP), DHCP on any address bound to br0, DHCPv6 on
    /// the bridge's IPv6 address and an unrelated port; says "ready" and waits for stdin to close.
    private static let script = """
        import socket, sys
        s = []
        def bind(family, kind, address, port, device=None):
            x = socket.socket(family, kind)
            if device: x.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device)
            x.bind((address, port))
            if kind == socket.SOCK_STREAM: x.listen()
            s.append(x)
        bind(socket.AF_INET, socket.SOCK_DGRAM, "10.10.0.1", 53)
        bind(socket.AF_INET, socket.SOCK_STREAM, "10.10.0.1", 53)
        bind(socket.AF_INET, socket.SOCK_DGRAM, "0.0.0.0", 67, b"br0")
        bind(socket.AF_INET6, socket.SOCK_DGRAM, "2001:db8:10::1", 547)
        bind(socket.AF_INET, socket.SOCK_DGRAM, "10.10.0.1", 5353)
        print("ready", flush=True)
        sys.stdin.read()
        """

    @Test func findsTheSocketsTheirOwnerAndBoundDevice() throws {
        let ns = try TemporaryNamespace("listen")
        try ns.sh("""
            ip link add br0 type bridge
            ip link set br0 up
            ip addr add 10.10.0.1/24 dev br0
            ip addr add 2001:db8:10::1/64 dev br0 nodad
            """)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", ns.name, "/usr/bin/python3", "-c", Self.script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        defer {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
        let ready = output.fileHandleForReading.availableData
        #expect(String(decoding: ready, as: UTF8.self).hasPrefix("ready"))

        let listeners = try NetworkNamespace.run(named: ns.name) { ListenerReader.read() }
        let owner = [Listener.Process(pid: Int(process.processIdentifier), command: "python3")]
        let bridge = IPAddress("10.10.0.1")!
        #expect(listeners == [
            Listener(transport: .tcp, address: bridge, port: 53, processes: owner),
            Listener(transport: .udp, address: IPAddress("0.0.0.0")!, port: 67, boundDevice: "br0", processes: owner),
            Listener(transport: .udp, address: bridge, port: 53, processes: owner),
            Listener(transport: .udp, address: IPAddress("2001:db8:10::1")!, port: 547, processes: owner),
        ])
        #expect(try NetworkNamespace.run(named: ns.name) { ListenerReader.read(ports: [5353]) }.map(\.port) == [5353])
        // The caller's own namespace does not hold these sockets.
        #expect(!ListenerReader.read().contains { $0.address == bridge })
    }
}
