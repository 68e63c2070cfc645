import Testing
import VNetNetlink

/// The bounds-checked attribute reader must never read past what the kernel sent.
@Suite struct NetlinkAttributesTests {
    /// One attribute: length (header included), type, value, padding to 4 bytes.
    private func attribute(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
        var bytes = withUnsafeBytes(of: UInt16(4 + value.count)) { Array($0) } + withUnsafeBytes(of: type) { Array($0) } + value
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    private func native<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    @Test func readsIntegersStringsAndNestedAttributes() {
        let nested = attribute(1, native(UInt32(200))) + attribute(7, [1])
        let bytes = attribute(3, Array("br0".utf8) + [0]) + attribute(4, native(UInt32(1500)))
            + attribute(18 | 0x8000, nested) + attribute(2, native(UInt16(9)))
        let attributes = NetlinkAttributes(ArraySlice(bytes))
        #expect(attributes.string(3) == "br0")
        #expect(attributes.u32(4) == 1500)
        #expect(attributes.u16(2) == 9)
        #expect(attributes.nested(18)?.u32(1) == 200)
        #expect(attributes.nested(18)?.u8(7) == 1)
        #expect(!attributes.truncated)
    }

    @Test func wrongSizeIntegersReadAsNil() {
        let attributes = NetlinkAttributes(ArraySlice(attribute(4, [1, 2])))
        #expect(attributes.u32(4) == nil)
        #expect(attributes.u8(4) == nil)
        #expect(attributes.value(4) == [1, 2])
    }

    @Test func lengthPastTheEndStopsTheWalk() {
        var bytes = attribute(1, native(UInt32(5)))
        bytes += native(UInt16(64)) + native(UInt16(2)) + [1, 2, 3, 4]
        let attributes = NetlinkAttributes(ArraySlice(bytes))
        #expect(attributes.u32(1) == 5)
        #expect(!attributes.has(2))
        #expect(attributes.truncated)
    }

    @Test func lengthBelowTheHeaderStopsTheWalk() {
        let bytes = native(UInt16(2)) + native(UInt16(1)) + attribute(3, [9])
        let attributes = NetlinkAttributes(ArraySlice(bytes))
        #expect(!attributes.has(3))
        #expect(attributes.truncated)
    }

    @Test func trailingBytesShorterThanAHeaderAreReported() {
        let attributes = NetlinkAttributes(ArraySlice(attribute(1, [7]) + [0, 0]))
        #expect(attributes.u8(1) == 7)
        #expect(attributes.truncated)
    }

    @Test func emptyAndSlicedInputs() {
        #expect(!NetlinkAttributes(ArraySlice([])).truncated)
        // A slice that does not start at index 0, as the message decoders pass it.
        let bytes = [0xff, 0xff, 0xff] + attribute(5, native(UInt32(42)))
        #expect(NetlinkAttributes(bytes[3...]).u32(5) == 42)
    }

    @Test func nativeIntegerRefusesShortInput() {
        let bytes: [UInt8] = [1, 2, 3]
        let value: UInt32? = bytes.nativeInteger(at: 0)
        #expect(value == nil)
        let inside: UInt16? = bytes.nativeInteger(at: 1)
        #expect(inside == UInt16(2) | UInt16(3) << 8)
    }
}
