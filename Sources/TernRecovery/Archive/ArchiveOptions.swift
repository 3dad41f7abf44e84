import Logging
import TernEngine

/// Settings of a continuous archive.
public struct ArchiveOptions: Sendable {
    /// The recovery point: a committed batch is in the archive within about this long (passes
    /// run every half interval, so the wait for the next pass plus the pass itself fit in it).
    public var archiveInterval: Duration = .seconds(1)
    /// How often a checkpoint (a full copy, hard-linked where possible) is taken. A restore
    /// replays the batches after the newest checkpoint before its instant, so this bounds how
    /// much a restore replays.
    public var checkpointInterval: Duration = .seconds(3600)
    /// How far back the archive can restore (DynamoDB: 1 to 35 days). Pruning keeps every file
    /// restoring any instant of the window needs. At least one hour.
    public var retention: Duration = .seconds(7 * 86_400)
    /// A segment file is sealed (checksummed) and a new one started past this size.
    public var segmentBytes = 64 << 20
    /// The change-feed consumer the archive registers with the store.
    public var consumerName = "archive"
    /// Where failures and gaps are reported (silent by default).
    public var logger = Logger(label: "tern.archive", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Called after each pass that shipped batches with each batch's recovery-point lag: the
    /// microseconds from its commit to its being synced in the archive (for metrics).
    public var lagObserver: (@Sendable ([UInt64]) -> Void)?

    public init() {}

    /// The shortest retention accepted.
    public static let minimumRetention: Duration = .seconds(3600)

    func validate() throws {
        guard retention >= Self.minimumRetention else {
            throw TernError(.invalidArgument, "the retention must be at least one hour (got \(retention))")
        }
        guard archiveInterval > .zero, checkpointInterval > .zero, segmentBytes > 0 else {
            throw TernError(.invalidArgument, "archive intervals and segment size must be positive")
        }
    }
}

/// What the archive is doing, for the embedding service (and `/health`).
public struct ArchiveStatus: Sendable, Equatable {
    /// The last batch safely in the archive.
    public var lastArchivedSequence: SequenceNumber = .zero
    public var lastArchivedStamp: HybridTimestamp = .zero
    /// The instants a restore can reach now.
    public var window: ArchiveState.Window?
    /// The error of the last failed pass, while the archive cannot be written; nil when healthy.
    /// Writes to the store go on meanwhile; the archive catches up when it can, or records a gap.
    public var failure: String?
    /// When the archive started failing (physical µs), while it is.
    public var failingSinceMicroseconds: UInt64?
    /// Spans the archive could not capture.
    public var gaps: [ArchiveState.Gap] = []
    /// Recovery-point samples: for recent batches, the time from their commit to their being
    /// synced in the archive, in µs (most recent last, at most 4,096).
    public var recentLagMicroseconds: [UInt64] = []
}
