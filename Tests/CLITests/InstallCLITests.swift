import Foundation
import Testing
import VNetTestSupport

/// `make install` end to end into a staging DESTDIR: every file in place, the completions parse and
/// complete in their shells, the man page renders and covers every subcommand and the exit codes.
/// Builds the release binary (incrementally); `--ignore-lock` because `swift test` holds the build
/// folder's lock while it runs (the release build uses its own products folder).
@Suite(.serialized) struct InstallCLITests {
    static let repository = CLITests.fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The subcommands as the argument parser describes them (`help` left out: it has no page section).
    private func subcommands() throws -> [String] {
        let dump = try Shell.run([BuiltProducts.vnetaudit, "--experimental-dump-help"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let command = try #require(object["command"] as? [String: Any])
        let subcommands = try #require(command["subcommands"] as? [[String: Any]])
        return subcommands.compactMap { $0["commandName"] as? String }.filter { $0 != "help" }
    }

    private func make(_ target: String, stage: String) throws -> Shell.Output {
        try Shell.run(["make", "-C", Self.repository, target, "DESTDIR=\(stage)", "PREFIX=/usr", "SWIFT_FLAGS=--ignore-lock"])
    }

    @Test(.enabled(if: Shell.has("make"), "needs make"), .timeLimit(.minutes(60)))
    func makeInstallStagesEveryFileAndUninstallRemovesThem() throws {
        let stage = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-stage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: stage) }
        let installed = try make("install", stage: stage)
        #expect(installed.status == 0, "\(installed.stdout)\n\(installed.stderr)")
        let binary = stage + "/usr/bin/vnetaudit"
        let page = stage + "/usr/share/man/man1/vnetaudit.1"
        let bash = stage + "/usr/share/bash-completion/completions/vnetaudit"
        let zsh = stage + "/usr/share/zsh/site-functions/_vnetaudit"
        let fish = stage + "/usr/share/fish/vendor_completions.d/vnetaudit.fish"
        for file in [binary, page, bash, zsh, fish] {
            #expect(FileManager.default.fileExists(atPath: file), "\(file)")
        }
        #expect(FileManager.default.isExecutableFile(atPath: binary))
        let version = try Shell.run([binary, "--version"])
        #expect(version.status == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let names = try subcommands()
        #expect(names.contains("check") && names.contains("explain") && names.count >= 6, "\(names)")

        // bash: parses, and completing `vnetaudit ` offers every subcommand, `vnetaudit check --for` the option.
        #expect(try Shell.run(["bash", "-n", bash]).status == 0)
        let offered = try complete(bash: bash, words: ["vnetaudit", ""])
        for name in names { #expect(offered.contains(name), "bash offers \(name): \(offered)") }
        #expect(try complete(bash: bash, words: ["vnetaudit", "check", "--output-d"]).contains("--output-dir"))

        if Shell.has("zsh") {
            let parsed = try Shell.run(["zsh", "-n", zsh])
            #expect(parsed.status == 0, "\(parsed.stderr)")
            #expect(try String(contentsOfFile: zsh, encoding: .utf8).hasPrefix("#compdef vnetaudit"))
        }
        if Shell.has("fish") {
            let parsed = try Shell.run(["fish", "--no-execute", fish])
            #expect(parsed.status == 0, "\(parsed.stderr)")
            let completed = try Shell.run(["fish", "--no-config", "-c", "source \(fish); complete --do-complete 'vnetaudit '"])
            for name in names { #expect(completed.stdout.contains(name), "fish offers \(name): \(completed.stdout)") }
        }

        // The man page: renders through man-db and passes mandoc's lint without errors.
        let rendered = try Shell.run(["env", "MANWIDTH=100", "MANPAGER=cat", "man", "-l", page])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let text = rendered.stdout
        #expect(text.contains("vnetaudit"))
        for name in names {
            // Each subcommand is an item of the page's list: its name indented alone at the start of a line.
            #expect(text.range(of: "\n +\(name)( {2,}|\n)", options: .regularExpression) != nil, "the page covers \(name)")
        }
        #expect(text.contains("Exit codes") && text.contains("docs/exit-codes.md"), "exit codes in the page")
        #expect(text.contains("--output-dir") && text.contains("--quiet") && text.contains("--no-color"))
        if Shell.has("mandoc") {
            let lint = try Shell.run(["mandoc", "-T", "lint", "-W", "error", page])
            #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        }

        let removed = try make("uninstall", stage: stage)
        #expect(removed.status == 0, "\(removed.stderr)")
        for file in [binary, page, bash, zsh, fish] {
            #expect(!FileManager.default.fileExists(atPath: file), "\(file) removed")
        }
    }

    /// What the bash completion function offers for `words` (the last one being completed).
    private func complete(bash script: String, words: [String]) throws -> [String] {
        let quoted = words.map { "'\($0)'" }.joined(separator: " ")
        let line = words.joined(separator: " ")
        let program = """
            source /usr/share/bash-completion/bash_completion 2>/dev/null
            source '\(script)'
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); COMP_LINE='\(line)'; COMP_POINT=\(line.count)
            _vnetaudit vnetaudit '\(words.last ?? "")' '\(words.dropLast().last ?? "")'
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let out = try Shell.run(["bash", "-c", program])
        return out.stdout.split(separator: "\n").map(String.init)
    }
}
