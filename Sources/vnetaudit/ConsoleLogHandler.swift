import Foundation
import Logging

/// Log lines for a person reading standard error: `vnetaudit: MESSAGE` for notices (what was written
/// where), the level named otherwise (`vnetaudit: warning: ...`, `vnetaudit: debug: ...`), metadata
/// after the message. No timestamps: the lines accompany one run, they are not a service's journal.
struct ConsoleLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(level: Logger.Level) { logLevel = level }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        FileHandle.standardError.write(Data((Self.line(for: event, handlerMetadata: metadata) + "\n").utf8))
    }

    /// The text of one event, without its newline.
    static func line(for event: LogEvent, handlerMetadata: Logger.Metadata = [:]) -> String {
        let level = event.level == .notice ? "" : "\(event.level): "
        let merged = handlerMetadata.merging(event.metadata ?? [:]) { _, new in new }
        let details = merged.isEmpty ? "" : " (" + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        return "vnetaudit: \(level)\(event.message)\(details)"
    }
}
