import Foundation
import CNftables

public enum LibNftablesError: Error, CustomStringConvertible, Equatable {
    case contextUnavailable
    case commandFailed(command: String, status: Int32, message: String)

    public var description: String {
        switch self {
        case .contextUnavailable: return "libnftables: nft_ctx_new failed"
        case .commandFailed(let command, let status, let message):
            return "libnftables: '\(command)' failed (\(status)): \(message)"
        }
    }
}

/// Owner of one libnftables context (`nft_ctx`), set to print JSON with handles into its own
/// buffers. Used for cross-checking and for the human-readable JSON kept in snapshots; the live
/// model comes from `NftablesReader`, which scales to large rule sets.
public final class LibNftables {
    private let context: OpaquePointer

    public init() throws {
        guard let ctx = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else { throw LibNftablesError.contextUnavailable }
        context = ctx
        nft_ctx_output_set_flags(ctx, UInt32(NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE))
        _ = nft_ctx_buffer_output(ctx)
        _ = nft_ctx_buffer_error(ctx)
    }

    deinit { nft_ctx_free(context) }

    /// `nft -j -a list ruleset` of the calling thread's network namespace.
    public func listRulesetJSON() throws -> Data {
        let command = "list ruleset"
        let status = nft_run_cmd_from_buffer(context, command)
        guard status == 0 else {
            let message = nft_ctx_get_error_buffer(context).map { String(cString: $0) } ?? ""
            throw LibNftablesError.commandFailed(command: command, status: status,
                                                 message: message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard let out = nft_ctx_get_output_buffer(context) else { return Data() }
        return Data(bytes: out, count: strlen(out))
    }
}
