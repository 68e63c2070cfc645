import Foundation

/// Test fixtures only: renders a page in real headless Chromium (Debian's `chromium`, installed by
/// scripts/install-deps.sh), as a screenshot, as the DOM after its scripts ran, or printed to PDF.
/// Every run gets its own throw-away profile, so parallel runs never share one; network access is
/// mapped to nowhere, so a page that tried to fetch anything would show it missing.
public enum HeadlessChromium {
    public static let executable = "/usr/bin/chromium"

    public static var available: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// Where tests leave what they rendered for people to look at: `.build/test-artifacts/NAME/`.
    public static func artifactsDirectory(_ name: String) throws -> URL {
        var build = BuiltProducts.directory.deletingLastPathComponent()  // .build/<triple>, or the scratch path
        if build.deletingLastPathComponent().lastPathComponent == ".build" { build = build.deletingLastPathComponent() }
        let dir = build.appendingPathComponent("test-artifacts/\(name)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A PNG of `page` at `width` x `height` CSS pixels, written to `png`.
    public static func screenshot(_ page: URL, to png: URL, width: Int = 1280, height: Int = 2400) throws {
        try? FileManager.default.removeItem(at: png)
        try run(["--screenshot=\(png.path)", "--window-size=\(width),\(height)", "--hide-scrollbars", page.absoluteString])
    }

    /// The DOM of `page` after its scripts ran, serialised.
    public static func dumpDOM(_ page: URL) throws -> String {
        try run(["--dump-dom", page.absoluteString])
    }

    /// `page` printed (print media, as "print to PDF" does) into `pdf`.
    public static func printToPDF(_ page: URL, to pdf: URL) throws {
        try? FileManager.default.removeItem(at: pdf)
        try run(["--print-to-pdf=\(pdf.path)", "--no-pdf-header-footer", page.absoluteString])
    }

    @discardableResult
    private static func run(_ arguments: [String]) throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("vnetaudit-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        // --no-sandbox: Chromium's sandbox refuses to run as root, as the tests do.
        let command = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                       "--disable-dev-shm-usage", "--user-data-dir=\(profile.path)",
                       "--host-resolver-rules=MAP * ~NOTFOUND"] + arguments
        let out = try Shell.run(command)
        guard out.status == 0 else { throw Shell.Failure(command: command, status: out.status, stderr: out.stderr) }
        return out.stdout
    }
}
