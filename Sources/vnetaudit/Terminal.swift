import Foundation

/// Whether standard output is a terminal that wants colour; `--no-color` comes on top (each colouring
/// subcommand: show, check, explain).
enum Terminal {
    /// Colour only for a terminal, and never when NO_COLOR holds any non-empty value (https://no-color.org).
    static var wantsColor: Bool {
        if let v = ProcessInfo.processInfo.environment["NO_COLOR"], !v.isEmpty { return false }
        return isatty(STDOUT_FILENO) == 1
    }
}
