import Foundation
import Testing
import VNetTestSupport

/// Colour only where a person reads it: every colouring subcommand on a real terminal (a pty through
/// script(1)) colours, and not with NO_COLOR, --no-color, or when standard output is not a terminal.
@Suite struct ColorCLITests {
    private static var savedRules: String { CLITests.fixtures.appendingPathComponent("iptables/libvirt.v4.save").path }

    /// Each subcommand that colours, on saved rules (no root needed), with its verdict code.
    static let colouring: [(arguments: [String], status: Int32)] = [
        (["show", "--iptables-save", savedRules], 0),
        (["check", "--iptables-save", savedRules], 3),
        (["explain", "--iptables-save", savedRules, "--from", "192.168.122.10", "--to", "198.51.100.7", "--in", "virbr0"], 3),
    ]

    private static let escape = "\u{1B}["

    /// Runs the binary on a pseudo-terminal; `environment` as `NAME=value` (NO_COLOR removed first).
    private func onTerminal(_ arguments: [String], environment: [String] = []) throws -> Shell.Output {
        let command = ([BuiltProducts.vnetaudit] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
        return try Shell.run(["-u", "NO_COLOR"] + environment + ["script", "--quiet", "--return", "--command", command, "/dev/null"])
    }

    /// Standard output as a pipe gives it, for comparing: no escapes, `\n` line ends, and the times of
    /// reading (rule-set files are read "now") made equal.
    private func plain(_ terminal: String) -> String {
        let noEscapes = terminal.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        return withoutTimestamps(noEscapes.replacingOccurrences(of: "\r\n", with: "\n"))
    }


    @Test(.enabled(if: Shell.has("script"), "needs script(1) for a pseudo-terminal"), arguments: 0..<colouring.count)
    func colourOnATerminalOnly(_ index: Int) throws {
        let (arguments, status) = Self.colouring[index]
        let piped = try Shell.run(["-u", "NO_COLOR", BuiltProducts.vnetaudit] + arguments)
        #expect(piped.status == status, "\(arguments): \(piped.stderr)")
        #expect(!piped.stdout.contains(Self.escape), "\(arguments): standard output is not a terminal")

        let coloured = try onTerminal(arguments)
        #expect(coloured.status == status, "\(arguments)")
        #expect(coloured.stdout.contains(Self.escape), "\(arguments): a terminal gets colour")
        #expect(plain(coloured.stdout) == withoutTimestamps(piped.stdout), "\(arguments): the same text, only coloured")

        for (label, run) in [
            ("NO_COLOR=1", try onTerminal(arguments, environment: ["NO_COLOR=1"])),
            ("NO_COLOR=yes please", try onTerminal(arguments, environment: ["NO_COLOR=yes please"])),
            ("--no-color", try onTerminal(arguments + ["--no-color"])),
        ] {
            #expect(run.status == status, "\(arguments) \(label)")
            #expect(!run.stdout.contains(Self.escape), "\(arguments) \(label): no escapes")
            #expect(plain(run.stdout) == withoutTimestamps(piped.stdout), "\(arguments) \(label)")
        }
        // no-color.org: an empty NO_COLOR does not count as set.
        let empty = try onTerminal(arguments, environment: ["NO_COLOR="])
        #expect(empty.stdout.contains(Self.escape), "\(arguments): NO_COLOR empty")
    }

    @Test func reportFilesNeverGetColourEvenFromATerminal() throws {
        guard Shell.has("script") else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-color-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = try onTerminal(["check", "--iptables-save", Self.savedRules, "--format", "text", "--format", "json", "--output-dir", folder])
        #expect(out.status == 3, "\(out.stdout)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.count == 2, "\(files)")
        for file in files {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            #expect(!text.contains(Self.escape), "\(file)")
        }
    }
}

/// `text` with its ISO 8601 times made equal: two runs on rule-set files differ only by the time they
/// read them ("now").
func withoutTimestamps(_ text: String) -> String {
    text.replacingOccurrences(of: "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,}Z", with: "TIME", options: .regularExpression)
}
