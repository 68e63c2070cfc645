/// Why a libvirt file could not be read, and where: `file:line:col: message`. Also used for
/// `network.conf`, whose syntax errors are located the same way.
public struct LibvirtXMLError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// 1-based; 0 when the position is unknown.
    public var line: Int
    /// 1-based; 0 when the position is unknown.
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}
