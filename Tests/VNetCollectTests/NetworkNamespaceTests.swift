import Foundation
import Testing
@testable import VNetCollect
import VNetTestSupport

@Suite(.enabled(if: Shell.isRoot, "needs root for network namespaces"))
struct NetworkNamespaceTests {
    private static func ownNetnsInode() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net")) ?? "?"
    }

    @Test func bodyRunsInsideTheNamedNamespaceAndCallerIsUntouched() throws {
        let ns = try TemporaryNamespace("nsrun")
        let before = Self.ownNetnsInode()
        let inside = try NetworkNamespace.run(named: ns.name) { Self.ownNetnsInode() }
        let expected = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net")
        #expect(inside != before)
        #expect(expected == before)
        // The namespace file and the thread's namespace are the same object.
        var st = stat()
        #expect(stat("/run/netns/\(ns.name)", &st) == 0)
        #expect(inside == "net:[\(st.st_ino)]")
    }

    @Test func missingNamespaceIsATypedError() {
        #expect(throws: NetworkNamespaceError.notFound("vnat-does-not-exist")) {
            try NetworkNamespace.run(named: "vnat-does-not-exist") { 1 }
        }
    }
}
