import Foundation
import Testing
import VNetModel
import VNetTestSupport
@testable import VNetSnapshot

/// A fresh directory under the system temp dir, removed when the test ends.
final class ScratchDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vnat-snapshot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> URL { url.appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite struct SnapshotBundleTests {
    let host = CompleteHostState.host
    let raw = CompleteHostState.raw
    let created = Date(timeIntervalSince1970: 1_763_851_234)

    private func written() throws -> (ScratchDirectory, URL) {
        let scratch = try ScratchDirectory()
        let dir = scratch.path("snap")
        try SnapshotBundle.write(host: host, raw: raw, toolVersion: "0.1.0-test", created: created, to: dir)
        return (scratch, dir)
    }

    private func expectError(_ kind: SnapshotError.Kind, file: String, in dir: URL, _ comment: Comment? = nil,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try SnapshotBundle.read(from: dir)
            Issue.record("read succeeded", sourceLocation: sourceLocation)
        } catch let error as SnapshotError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.file.hasSuffix(file), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("not a SnapshotError: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Rewrites a bundle file and fixes its manifest entry, to reach the checks behind the checksum.
    private func replaceSealed(_ path: String, in dir: URL, with data: Data) throws {
        try data.write(to: dir.appendingPathComponent(path))
        let manifestURL = dir.appendingPathComponent("manifest.json")
        var manifest = try ModelJSON.decoder().decode(SnapshotManifest.self, from: Data(contentsOf: manifestURL))
        let index = try #require(manifest.files.firstIndex { $0.path == path })
        manifest.files[index].size = data.count
        manifest.files[index].sha256 = SHA256.hex(data)
        try ModelJSON.encoder().encode(manifest).write(to: manifestURL)
    }

    @Test func theFixtureUsesEveryCase() {
        #expect(CompleteHostState.matchValueCaseCount(CompleteHostState.matchValues) == 15)
        #expect(CompleteHostState.actionCaseCount(CompleteHostState.actions) == 19)
    }

    @Test func roundTripKeepsEverything() throws {
        let (scratch, dir) = try written()
        _ = scratch
        let snapshot = try SnapshotBundle.read(from: dir)
        #expect(snapshot.host == host)
        #expect(snapshot.raw == raw.sorted { $0.bundlePath < $1.bundlePath })
        #expect(snapshot.manifest.format == "vnetaudit-snapshot" && snapshot.manifest.formatVersion == 1)
        #expect(snapshot.manifest.toolVersion == "0.1.0-test" && snapshot.manifest.hostname == "hv1")
        #expect(snapshot.manifest.created == created && snapshot.manifest.modelSchemaVersion == HostState.currentSchemaVersion)
        #expect(snapshot.manifest.files.map(\.path) == ["host.json", "raw/firewall/binary.bin", "raw/firewall/empty",
                                                       "raw/firewall/iptables-legacy.save", "raw/libvirt/run/network/default.xml"])
        let entries = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
        #expect(entries == ["snap"], "no temporary directory left behind")
    }

    /// A host.json written before BPF programs were collected has no `bpfPrograms`: it reads as "not read".
    @Test func linksWithoutBPFProgramsDecodeAsNotRead() throws {
        var old = host
        for index in old.links.indices { old.links[index].bpfPrograms = nil }
        let json = String(decoding: try ModelJSON.encoder().encode(old), as: UTF8.self)
        #expect(!json.contains("bpfPrograms"))
        let decoded = try ModelJSON.decoder().decode(HostState.self, from: Data(json.utf8))
        #expect(decoded.links.allSatisfy { $0.bpfPrograms == nil })
        #expect(decoded == old)
    }

    @Test func reencodingIsByteIdentical() throws {
        let (scratch, first) = try written()
        let snapshot = try SnapshotBundle.read(from: first)
        let second = scratch.path("again")
        try SnapshotBundle.write(host: snapshot.host, raw: snapshot.raw, toolVersion: snapshot.manifest.toolVersion,
                                 created: snapshot.manifest.created, to: second)
        for file in ["manifest.json", "host.json"] + snapshot.manifest.files.map(\.path) {
            #expect(try Data(contentsOf: first.appendingPathComponent(file)) == Data(contentsOf: second.appendingPathComponent(file)), "\(file)")
        }
        let encoded = try ModelJSON.encoder().encode(host)
        #expect(try ModelJSON.encoder().encode(ModelJSON.decoder().decode(HostState.self, from: encoded)) == encoded)
    }

    @Test func truncatedHostJSONIsRefusedAtEveryLength() throws {
        let (scratch, dir) = try written()
        _ = scratch
        let full = try Data(contentsOf: dir.appendingPathComponent("host.json"))
        let lengths = Array(stride(from: 0, to: full.count, by: max(1, full.count / 40))) + [full.count - 1]
        for length in lengths {
            try full.prefix(length).write(to: dir.appendingPathComponent("host.json"))
            expectError(.sizeMismatch, file: "host.json", in: dir)
        }
        // Even with a manifest that matches the cut file, decoding fails cleanly and says where.
        for length in lengths {
            try replaceSealed("host.json", in: dir, with: full.prefix(length))
            do {
                _ = try SnapshotBundle.read(from: dir)
                Issue.record("truncated host.json of \(length) bytes was accepted")
            } catch let error as SnapshotError {
                #expect(error.kind == .invalidJSON && error.file.hasSuffix("host.json"), "\(error)")
                if length > 0 { #expect(error.detail.contains("line"), "\(error)") }
            }
        }
    }

    @Test func flippedByteIsAChecksumMismatch() throws {
        let (scratch, dir) = try written()
        _ = scratch
        for file in ["host.json", "raw/firewall/binary.bin"] {
            let url = dir.appendingPathComponent(file)
            let original = try Data(contentsOf: url)
            var damaged = original
            damaged[damaged.count / 2] ^= 0x01
            try damaged.write(to: url)
            expectError(.checksumMismatch, file: file, in: dir)
            try original.write(to: url)
        }
        #expect(throws: Never.self) { try SnapshotBundle.read(from: dir) }
    }

    @Test func missingFiles() throws {
        let (scratch, dir) = try written()
        _ = scratch
        try FileManager.default.removeItem(at: dir.appendingPathComponent("raw/firewall/empty"))
        expectError(.missingFile, file: "raw/firewall/empty", in: dir)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("manifest.json"))
        expectError(.notASnapshot, file: "snap", in: dir)
        expectError(.notASnapshot, file: "nowhere", in: scratch.path("nowhere"))
    }

    @Test func versionsAndFormat() throws {
        let (scratch, dir) = try written()
        _ = scratch
        let manifestURL = dir.appendingPathComponent("manifest.json")
        let original = try String(contentsOf: manifestURL, encoding: .utf8)
        try original.replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 2, \"newField\" : [1]")
            .write(to: manifestURL, atomically: false, encoding: .utf8)
        expectError(.unsupportedVersion, file: "manifest.json", in: dir)
        try original.replacingOccurrences(of: "vnetaudit-snapshot", with: "something-else")
            .write(to: manifestURL, atomically: false, encoding: .utf8)
        expectError(.notASnapshot, file: "manifest.json", in: dir)
        try original.write(to: manifestURL, atomically: false, encoding: .utf8)

        let hostJSON = try String(contentsOf: dir.appendingPathComponent("host.json"), encoding: .utf8)
        try replaceSealed("host.json", in: dir, with: Data(hostJSON.replacingOccurrences(
            of: "\"schemaVersion\" : \(HostState.currentSchemaVersion)", with: "\"schemaVersion\" : 99").utf8))
        expectError(.unsupportedVersion, file: "host.json", in: dir)
    }

    @Test func badValuesNameTheirJSONPath() throws {
        let (scratch, dir) = try written()
        _ = scratch
        let hostJSON = try String(contentsOf: dir.appendingPathComponent("host.json"), encoding: .utf8)
        try replaceSealed("host.json", in: dir, with: Data(hostJSON.replacingOccurrences(of: "\"192.168.122.2\"", with: "\"192.168.122.300\"").utf8))
        do {
            _ = try SnapshotBundle.read(from: dir)
            Issue.record("bad address accepted")
        } catch let error as SnapshotError {
            #expect(error.kind == .invalidJSON)
            #expect(error.detail.contains("libvirt.networks[0].ips[0].dhcpRanges[0].start"), "\(error)")
        }
    }

    @Test func garbageManifestsAreRefused() throws {
        let (scratch, dir) = try written()
        _ = scratch
        let manifestURL = dir.appendingPathComponent("manifest.json")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let bytes = (0..<Int.random(in: 0..<400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try Data(bytes).write(to: manifestURL)
            #expect(throws: SnapshotError.self) { try SnapshotBundle.read(from: dir) }
        }
        for files in ["[{\"path\": \"../outside\", \"size\": 0, \"sha256\": \"\"}]",
                      "[{\"path\": \"/etc/passwd\", \"size\": 0, \"sha256\": \"\"}]",
                      "[{\"path\": \"host.json\", \"size\": 0, \"sha256\": \"\"}, {\"path\": \"host.json\", \"size\": 0, \"sha256\": \"\"}]",
                      "[]", "{}", "[{\"path\": 7}]"] {
            let manifest = """
                {"format": "vnetaudit-snapshot", "formatVersion": 1, "toolVersion": "x", "created": "2025-11-22T22:00:00Z",
                 "hostname": "h", "modelSchemaVersion": 1, "files": \(files)}
                """
            try Data(manifest.utf8).write(to: manifestURL)
            #expect(throws: SnapshotError.self, "\(files)") { try SnapshotBundle.read(from: dir) }
        }
    }

    @Test func writingRefusesWhatIsNotASnapshot() throws {
        let scratch = try ScratchDirectory()
        let busy = scratch.path("busy")
        try FileManager.default.createDirectory(at: busy, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: busy.appendingPathComponent("notes.txt"))
        #expect(throws: SnapshotError.self) { try SnapshotBundle.write(host: host, raw: raw, toolVersion: "t", to: busy) }
        #expect(try String(contentsOf: busy.appendingPathComponent("notes.txt"), encoding: .utf8) == "keep me")

        let file = scratch.path("file")
        try Data().write(to: file)
        #expect(throws: SnapshotError.self) { try SnapshotBundle.write(host: host, raw: raw, toolVersion: "t", to: file) }

        let empty = scratch.path("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try SnapshotBundle.write(host: host, raw: [], toolVersion: "t", to: empty)
        #expect(try SnapshotBundle.read(from: empty).raw.isEmpty)
        // An existing snapshot is replaced whole: the old raw files do not linger.
        try SnapshotBundle.write(host: host, raw: raw, toolVersion: "t", to: empty)
        try SnapshotBundle.write(host: host, raw: [raw[0]], toolVersion: "t2", to: empty)
        let replaced = try SnapshotBundle.read(from: empty)
        #expect(replaced.raw == [raw[0]] && replaced.manifest.toolVersion == "t2")
        #expect(!FileManager.default.fileExists(atPath: empty.appendingPathComponent("raw/firewall").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).sorted() == ["busy", "empty", "file"])
    }

    @Test(arguments: ["../escape", "/absolute", "a//b", "a/./b", "", "raw\\x"])
    func rawPathsMustStayInside(path: String) throws {
        let scratch = try ScratchDirectory()
        let bad = RawSource(bundlePath: path, origin: "test", contents: Data("x".utf8))
        #expect {
            try SnapshotBundle.write(host: host, raw: [bad], toolVersion: "t", to: scratch.path("s"))
        } throws: { ($0 as? SnapshotError)?.kind == .invalidPath }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty)
    }

    @Test func duplicateRawPathsAreRefused() throws {
        let scratch = try ScratchDirectory()
        #expect(throws: SnapshotError.self) {
            try SnapshotBundle.write(host: host, raw: [raw[0], raw[0]], toolVersion: "t", to: scratch.path("s"))
        }
    }
}

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(Data(input.utf8)) == digest)
    }

    @Test func agreesWithSha256sumAroundBlockBoundaries() throws {
        guard Shell.has("sha256sum") else { return }
        let scratch = try ScratchDirectory()
        for length in [55, 56, 63, 64, 65, 119, 128, 1000, 70_001] {
            let data = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            let file = scratch.path("d\(length)")
            try data.write(to: file)
            let expected = try Shell.check(["sha256sum", file.path]).split(separator: " ").first.map(String.init)
            #expect(SHA256.hex(data) == expected, "\(length) bytes")
        }
    }
}
