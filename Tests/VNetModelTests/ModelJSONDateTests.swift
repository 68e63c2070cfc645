import Foundation
import Testing
import VNetModel

/// The hand-made timestamp format must equal Foundation's ISO 8601 internet date-time, and parse back.
@Suite struct ModelJSONDateTests {
    @Test(arguments: [0.0, 1_800_000_000, 951_782_400, 4_102_444_799, 1_700_000_000.9])
    func formatEqualsISO8601AndParsesBack(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime]
        let whole = Date(timeIntervalSince1970: seconds.rounded(.down))
        #expect(ModelJSON.format(date) == reference.string(from: whole))
        let data = try ModelJSON.encoder().encode([date])
        #expect(try ModelJSON.decoder().decode([Date].self, from: data) == [whole])
    }
}
