import TernEngine

/// How a region replicates: bounds, intervals and sizes. The defaults suit regions on a LAN or
/// across a continent.
public struct ReplicationSettings: Sendable {
    /// A received stamp more than this ahead of the local wall clock is refused (the frame is not
    /// applied; the link reports a clock-skew refusal and retries later).
    public var maxClockSkew: Duration = .milliseconds(500)
    /// About how many bytes of committed batches one `changes` frame carries.
    public var maxFrameBytes = 1 << 20
    /// At most this many bytes of frames are sent and not yet acknowledged (backpressure).
    public var windowBytes = 8 << 20
    /// An idle link sends a heartbeat this often (it carries the horizons and proves liveness).
    public var heartbeatInterval: Duration = .milliseconds(200)
    /// Frames sent and not acknowledged for this long are sent again (from the last
    /// acknowledged batch).
    public var retransmitTimeout: Duration = .seconds(5)
    /// The sender persists its acknowledged cursor at most this often (a crash resends what was
    /// acknowledged since; applying twice is harmless).
    public var cursorPersistInterval: Duration = .milliseconds(200)
    /// Tombstones are kept this long past the point every region has applied them: it bounds the
    /// time between a write's stamp and its commit that tombstone purging tolerates.
    public var tombstoneGrace: Duration = .seconds(60)

    public init() {}
}

extension Duration {
    /// Whole microseconds (truncated).
    var microseconds: Int64 {
        let parts = components
        return parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000
    }
}
