/// A malformed `iptables-save` input, named by file, line and (when known) column.
public struct IptablesSaveError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based byte column of the offending token, when the problem sits in one.
    public var column: Int?
    public var message: String

    public init(file: String, line: Int, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line: message`, or `file:line:column: message`.
    public var description: String {
        if let column { return "\(file):\(line):\(column): \(message)" }
        return "\(file):\(line): \(message)"
    }
}
