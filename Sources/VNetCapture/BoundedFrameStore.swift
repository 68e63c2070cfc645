import VNetPackets

/// The frames of one interface kept in memory, up to a byte budget (frame bytes plus a fixed
/// per-frame overhead). Frames that do not fit are counted, never stored: a long or busy capture
/// costs a bounded amount of memory and says how much it lost.
struct BoundedFrameStore {
    /// Array slot, array header and bookkeeping of one frame, counted against the budget.
    static let perFrameOverhead = 64

    let budgetBytes: Int
    private(set) var frames: [CapturedFrame] = []
    private(set) var usedBytes = 0
    private(set) var dropped: UInt64 = 0

    init(budgetBytes: Int) { self.budgetBytes = budgetBytes }

    mutating func append(_ frame: CapturedFrame) {
        let cost = frame.bytes.count + Self.perFrameOverhead
        guard usedBytes + cost <= budgetBytes else {
            dropped += 1
            return
        }
        usedBytes += cost
        frames.append(frame)
    }
}
