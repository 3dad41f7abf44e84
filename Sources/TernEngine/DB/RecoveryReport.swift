/// What opening a store found and did, for operators and logs: the WALs replayed and any torn
/// tail dropped (the only damage recovery repairs silently; see `docs/engine.md`, "Recovery").
public struct RecoveryReport: Sendable, Equatable {
    /// An incomplete last record dropped from the newest WAL or the manifest: a write a crash
    /// cut short. Never an acknowledged synced batch (a synced batch's record was complete and
    /// synced before the acknowledgement).
    public struct TornTail: Sendable, Equatable {
        /// The file, relative to the store directory.
        public var file: String
        /// Where the dropped bytes began.
        public var offset: Int
        public var droppedBytes: Int
    }

    /// The WAL files replayed into SSTables, oldest first.
    public var walsReplayed: [String] = []
    /// Batches replayed from them.
    public var batchesReplayed = 0
    /// Torn tails dropped (at most one per log: the newest WAL's and the manifest's).
    public var tornTails: [TornTail] = []

    /// Total bytes dropped with torn tails.
    public var tornBytesDropped: Int { tornTails.reduce(0) { $0 + $1.droppedBytes } }

    /// One line for a log, or nil when recovery had nothing to say.
    public var summary: String? {
        guard !tornTails.isEmpty else { return nil }
        let tails = tornTails.map { "\($0.file) at offset \($0.offset) (\($0.droppedBytes) bytes)" }
        return "recovery dropped a torn tail (a write cut short by a crash): " + tails.joined(separator: ", ")
    }
}
