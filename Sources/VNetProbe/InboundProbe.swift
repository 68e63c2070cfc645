import Foundation
import VNetCollect
import VNetModel
#if canImport(Glibc)
import Glibc
#endif

/// Inbound probes: the probe port listens on `ProbePlan.inboundPort`, and from inside a network
/// namespace the user controls (`--probe-peer`) new TCP connections are opened to it: a nat or
/// isolated network must not let them in, a routed or open one must.
enum InboundProbe {
    /// A listener on `address`, made inside the probe's namespace; it accepts and closes connections until
    /// the socket is dropped.
    final class Listener: @unchecked Sendable {
        private let socket: ProbeSocket
        private let thread: Thread
        private let stopping = Box<Bool>()

        init(address: IPAddress) throws {
            socket = try ProbeSocket(family: address.family, type: streamSocket, protocol: 0)
            socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            try socket.bind(address, port: ProbePlan.inboundPort)
            guard listen(socket.fd, 8) == 0 else { throw ProbeError.system("listen", errno) }
            let fd = socket.fd, stopping = stopping
            thread = Thread {
                while stopping.value != true {
                    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    if poll(&pfd, 1, 100) > 0 {
                        let client = accept(fd, nil, nil)
                        if client >= 0 { close(client) }
                    }
                }
            }
            thread.start()
        }

        func stop() {
            stopping.value = true
            usleep(150_000)
        }
    }

    /// A connection from inside `peer` (/run/netns/PEER) to the probe's address.
    static func connect(fromNamespace peer: String, to address: IPAddress) -> ProbeAttempt {
        let destination = ProbeTarget(address: address, port: ProbePlan.inboundPort).description
        do {
            let (outcome, detail) = try NetworkNamespace.run(named: peer) { () -> (ProbeAttempt.Outcome, String) in
                let socket = try ProbeSocket(family: address.family, type: streamSocket, protocol: 0)
                return ProbeSender.connectOutcome(socket.connect(to: address, port: ProbePlan.inboundPort, until: Date() + ProbeSender.timeout))
            }
            return ProbeAttempt(kind: .inboundTCP, family: address.family, source: "netns \(peer)", destination: destination,
                                outcome: outcome, detail: detail)
        } catch {
            return ProbeAttempt(kind: .inboundTCP, family: address.family, source: "netns \(peer)", destination: destination,
                                outcome: .failed, detail: "\(error)")
        }
    }
}
