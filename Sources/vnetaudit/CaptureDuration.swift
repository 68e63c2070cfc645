import ArgumentParser

/// A capture's length as given on the command line: `30s`, `2m`, `1h`, `500ms`, or bare seconds.
struct CaptureDuration: ExpressibleByArgument, Equatable {
    /// Longer captures keep too much in memory to judge; a day is already far past any sensible audit.
    static let longest = 24.0 * 3600

    let seconds: Double

    init?(argument: String) {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let unit = units.first { argument.hasSuffix($0.suffix) && Double(argument.dropLast($0.suffix.count)) != nil }
        let number = unit.map { String(argument.dropLast($0.suffix.count)) } ?? argument
        guard number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number) else { return nil }
        let seconds = value * (unit?.seconds ?? 1)
        guard seconds > 0, seconds <= Self.longest else { return nil }
        self.seconds = seconds
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
