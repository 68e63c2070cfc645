import Foundation

/// glibc malloc set up for reading a busy host's rules on several threads at once.
///
/// Each reading thread allocates in an arena of its own: with one arena for all, the threads building
/// two big tables took turns on its lock (some 13,000 futex waits for 100,000 rules, slower on two
/// cores than on one). A new arena's heap, though, grows one page per mprotect(2) (some 24,000 calls
/// for 100,000 rules), so each reading thread first reserves its heap in one step: it takes a large
/// block and gives it back, and the heap keeps that size because trimming is off.
enum MallocArena {
    /// The largest block a thread's heap can hand out, and so the largest useful reservation (glibc
    /// refuses an mmap threshold above half its 64 MiB heap).
    static let maximumReservation = 32 << 20

    /// Blocks up to `maximumReservation` come from the arenas, so a reservation grows the heap instead
    /// of being mapped on its own; freed space stays in the heap. Call before the reading threads start.
    static func prepareForBulkReads() {
        _ = mallopt(mmapThreshold, Int32(maximumReservation))
        _ = mallopt(trimThreshold, Int32.max)
    }

    /// Grows the calling thread's heap to hold `bytes` (at most `maximumReservation`) with one
    /// mprotect(2); touches no page of it.
    static func reserve(bytes: Int) {
        guard let free = freeFunction, let block = malloc(min(bytes, maximumReservation - 4096)) else { return }
        free(block)
    }

    // mallopt(3) is declared in <malloc.h>, which the Glibc module leaves out.
    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    private static let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
    private static let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD

    private static func mallopt(_ parameter: Int32, _ value: Int32) -> Int32 {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return 0 }
        return unsafeBitCast(symbol, to: Mallopt.self)(parameter, value)
    }

    /// free(3) called through a pointer: the compiler removes a malloc/free pair it can see.
    private typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Void
    private static let freeFunction: Free? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "free")
        .map { unsafeBitCast($0, to: Free.self) }
}
