/// A decoding failure that says which input and where: a JSON element path
/// (`nftables[12].rule.expr[3]`) or a netlink message and byte offset.
public struct NftDecodingError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The input ends in the middle of something (a cut-off file or dump).
        case truncated
        /// The input is complete but not what nft/the kernel produce.
        case malformed
        /// The kernel reported an error or the dump was interrupted.
        case dumpFailed
    }

    public var kind: Kind
    public var file: String
    public var location: String
    public var message: String

    public init(_ kind: Kind, file: String, location: String, message: String) {
        self.kind = kind
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String { "\(file): \(location): \(kind.rawValue): \(message)" }
}
