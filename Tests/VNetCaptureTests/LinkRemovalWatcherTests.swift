import Testing
@testable import VNetCapture

/// The RTM_DELLINK reader of the link watcher: real message layouts, and any bytes without trapping.
@Suite struct LinkRemovalWatcherTests {
    /// A netlink message: header (length, type, flags, seq, pid) then an ifinfomsg for `index`.
    private func message(type: UInt16, index: Int32, padding: Int = 0) -> [UInt8] {
        func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }
        func u16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }
        let body: [UInt8] = [0, 0] + u16(1) + u32(UInt32(bitPattern: index)) + u32(0) + u32(0) + [UInt8](repeating: 0, count: padding)
        return u32(UInt32(16 + body.count)) + u16(type) + u16(0) + u32(0) + u32(0) + body
    }

    @Test func deletedLinksAreFoundAmongOtherMessages() {
        let newLink: UInt16 = 16, delLink: UInt16 = 17
        let datagram = message(type: newLink, index: 3) + message(type: delLink, index: 7, padding: 8) + message(type: delLink, index: 12)
        #expect(LinkRemovalWatcher.deletedIndexes(in: datagram[...]) == [7, 12])
    }

    @Test func everyCutAndRandomBytesAreSafe() {
        let datagram = message(type: 17, index: 7) + message(type: 17, index: 9)
        for length in 0...datagram.count {
            let found = LinkRemovalWatcher.deletedIndexes(in: datagram.prefix(length))
            #expect(found == (length >= 64 ? [7, 9] : length >= 32 ? [7] : []))
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = LinkRemovalWatcher.deletedIndexes(in: bytes[...])
        }
    }
}
