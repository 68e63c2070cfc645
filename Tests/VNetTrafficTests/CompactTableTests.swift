import Testing
import VNetModel
@testable import VNetTraffic

/// The flow and sender table: every key found again across growth, entries in the order added, and a
/// flow key's either direction naming one flow.
@Suite struct CompactTableTests {
    func key(_ i: Int, v6: Bool = false) -> FlowKey {
        let a = v6 ? IPAddress(ipv6High: 0x2001_0db8 << 32, low: UInt64(i)) : IPAddress(ipv4: 0xc0a8_0000 + UInt32(i))
        let b = v6 ? IPAddress(ipv6High: 0x2001_0db8 << 32, low: 1) : IPAddress(ipv4: 0xcb00_7101)
        return FlowKey(protocolNumber: 6, source: Endpoint(address: a, port: UInt16(truncatingIfNeeded: 1024 + i)),
                       destination: Endpoint(address: b, port: 443))
    }

    @Test func keysSurviveGrowthInInsertionOrder() {
        var table = CompactTable<FlowKey, Int>()
        let keys = (0..<50_000).map { key($0, v6: $0.isMultiple(of: 3)) }
        for (i, k) in keys.enumerated() { table.insert(k, i) }
        #expect(table.count == keys.count)
        #expect(table.values == Array(0..<keys.count))
        #expect(keys.indices.allSatisfy { table.value(for: keys[$0]) == $0 })
        #expect(table.value(for: key(60_000)) == nil)
        #expect(table.update(keys[7]) { $0 = -7 })
        #expect(!table.update(key(60_001)) { $0 = 0 })
        #expect(table.value(for: keys[7]) == -7)
        #expect(table.entries.map(\.key) == keys)
    }

    @Test func flowKeyRoundTripsAndBothDirectionsShareOneUnorderedKey() {
        for k in [key(5), key(9, v6: true)] {
            #expect(k.reversed.reversed == k)
            #expect(k.reversed.source == k.destination && k.reversed.destination == k.source)
            #expect(k.unordered == k.reversed.unordered)
            #expect(k.protocolNumber == 6 && k.destination.port == 443)
        }
        #expect(key(5).family == .ipv4 && key(9, v6: true).family == .ipv6)
        #expect(key(5).description == "tcp 192.168.0.5:1029 -> 203.0.113.1:443")
    }
}
