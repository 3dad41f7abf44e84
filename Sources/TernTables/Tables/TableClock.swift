import TernEngine

/// Where the table layer reads the time: TTL expiry and table creation times. Injected so tests
/// control time (no wall-clock reads in logic under test).
///
/// The table store reads the clock once per request, so every item of one request is judged
/// against the same instant.
public struct TableClock: Sendable {
    private let read: @Sendable () -> Int64

    /// A clock answering `now()` with `read()`, in epoch seconds.
    public init(_ read: @escaping @Sendable () -> Int64) {
        self.read = read
    }

    /// The current time in whole seconds since 1970-01-01T00:00:00Z.
    public func nowEpochSeconds() -> Int64 { read() }

    /// The system's real-time clock (`CLOCK_REALTIME`).
    public static let system = TableClock { Platform.realtimeSeconds() }
}
