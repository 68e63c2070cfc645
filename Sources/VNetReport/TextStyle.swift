/// ANSI styling for terminal output; with `enabled` false every function returns its text unchanged,
/// so the plain and coloured renderings differ only by escape codes.
struct TextStyle {
    let enabled: Bool

    func bold(_ s: String) -> String { wrap(s, "1") }
    func dim(_ s: String) -> String { wrap(s, "2") }
    func good(_ s: String) -> String { wrap(s, "32") }
    func bad(_ s: String) -> String { wrap(s, "31") }
    func warn(_ s: String) -> String { wrap(s, "33") }

    private func wrap(_ s: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }
}
