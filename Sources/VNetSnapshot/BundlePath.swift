/// Paths inside a bundle are relative, `/`-separated and stay inside it: a manifest or raw source
/// naming `../x` or `/etc/x` is refused, so neither writing nor reading a bundle touches other files.
enum BundlePath {
    static func isValid(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\0"), !path.contains("\\") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { $0 != "" && $0 != "." && $0 != ".." }
    }
}
