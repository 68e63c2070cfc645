import Foundation
import Testing
import VNetModel
@testable import VNetCollect

/// /proc/net socket tables: real rows, odd rows, and the address encoding.
@Suite struct ListenerParsingTests {
    private let tcpTable = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 01000A0A:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0
           1: 0100007F:1F90 0100007F:B1C2 01 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 20 4 30 10 -1
        garbage line
           2: 0100007F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77
           3: ZZ00007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 78
           4: 01000A0A:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0

        """

    @Test func readsRowsAndPassesOverOddOnes() {
        let rows = ProcNetTable.tcp.parse(tcpTable)
        #expect(rows == [
            ProcNetSocket(transport: .tcp, address: IPAddress("10.10.0.1")!, port: 53, state: 10, inode: 31337),
            ProcNetSocket(transport: .tcp, address: IPAddress("127.0.0.1")!, port: 8080, state: 1, inode: 4242),
        ])
    }

    @Test func ipv6AddressesAreWordsInHostOrder() {
        // 2001:db8:10::1 as the kernel prints it on a little-endian host.
        let row = "   0: B80D0120000010000000000001000000:0223 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2 0000000000000000 0"
        let rows = ProcNetTable.udp6.parse(row)
        #expect(rows == [ProcNetSocket(transport: .udp, address: IPAddress("2001:db8:10::1")!, port: 547, state: 7, inode: 99)])
        #expect(ProcNetTable.address(hex: "00000000", family: .ipv4) == IPAddress("0.0.0.0"))
        #expect(ProcNetTable.address(hex: "0000", family: .ipv4) == nil)
        #expect(ProcNetTable.address(hex: "01000A0A", family: .ipv6) == nil)
    }

    @Test func boundStates() {
        #expect(ProcNetTable.tcp6.boundState == 10)
        #expect(ProcNetTable.udp.boundState == 7)
        #expect(ProcNetTable.udp6.family == .ipv6)
        #expect(ProcNetTable.tcp.transport == .tcp)
    }

    @Test func socketInodesFromLinkTargets() {
        #expect(SocketOwners.socketInode("socket:[12345]") == 12345)
        #expect(SocketOwners.socketInode("pipe:[12345]") == nil)
        #expect(SocketOwners.socketInode("socket:[]") == nil)
        #expect(SocketOwners.socketInode("/dev/null") == nil)
    }

    @Test func readsAFakeProcTree() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vnat-listeners-\(getpid())-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let net = root.appendingPathComponent("net"), proc = root.appendingPathComponent("proc")
        let fd = proc.appendingPathComponent("4321/fd")
        try FileManager.default.createDirectory(at: net, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: fd, withIntermediateDirectories: true)
        try tcpTable.write(to: net.appendingPathComponent("tcp"), atomically: true, encoding: .utf8)
        try "dnsmasq\n".write(to: proc.appendingPathComponent("4321/comm"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: fd.appendingPathComponent("5").path, withDestinationPath: "socket:[31337]")
        try FileManager.default.createSymbolicLink(atPath: fd.appendingPathComponent("6").path, withDestinationPath: "/dev/null")

        let listeners = ListenerReader.read(ports: [53, 67], procNet: net.path, proc: proc.path)
        #expect(listeners == [Listener(transport: .tcp, address: IPAddress("10.10.0.1")!, port: 53,
                                       processes: [Listener.Process(pid: 4321, command: "dnsmasq")])])
        #expect(ListenerReader.read(ports: [8080], procNet: net.path, proc: proc.path) == [],
                "8080 is only a connected socket, not a listener")
    }
}
