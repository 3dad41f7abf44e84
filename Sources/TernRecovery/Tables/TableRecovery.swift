import Glibc
import Synchronization
import TernEngine
import TernTables

/// DynamoDB's table-level point-in-time recovery over a store's continuous archive:
/// UpdateContinuousBackups (the per-table switch), DescribeContinuousBackups (the table's
/// window) and RestoreTableToPointInTime (a table as of an instant, into a new table of the live
/// store, indexes and TTL included). The node's wire API calls these.
///
/// A table's window starts when its recovery was switched on (and no earlier than the archive's)
/// and ends at the archive's latest instant. The switch is recorded in the archive's manifest.
///
/// Thread safety: every method may be called from any thread.
public final class TableRecovery: Sendable {
    public let tables: TableStore
    /// The store's archive; nil when none is configured (then recovery cannot be switched on).
    public let archive: ContinuousArchive?
    private let restoreCounter = Atomic<Int>(0)

    public init(tables: TableStore, archive: ContinuousArchive?) {
        self.tables = tables
        self.archive = archive
    }

    /// Switches point-in-time recovery of a table on or off.
    ///
    /// - Throws: `TableNotFoundException`; `ContinuousBackupsUnavailableException` when the
    ///   store has no archive.
    public func updateContinuousBackups(_ request: UpdateContinuousBackupsRequest) throws -> UpdateContinuousBackupsResponse {
        try requireTable(request.tableName)
        guard let archive else {
            throw DynamoError(.continuousBackupsUnavailable,
                "Backups are not available: this store runs without a continuous archive (configure one to enable point-in-time recovery)")
        }
        try archive.setTableRecovery(request.tableName, enabled: request.pointInTimeRecoveryEnabled)
        return UpdateContinuousBackupsResponse(continuousBackupsDescription: try describe(request.tableName))
    }

    /// A table's continuous-backup status and restorable window.
    public func describeContinuousBackups(_ request: DescribeContinuousBackupsRequest) throws -> DescribeContinuousBackupsResponse {
        try requireTable(request.tableName)
        return DescribeContinuousBackupsResponse(continuousBackupsDescription: try describe(request.tableName))
    }

    /// Restores the source table as of the instant into a new table of the live store.
    ///
    /// - Throws: `TableNotFoundException` (no source), `TableAlreadyExistsException` (the target
    ///   exists), `PointInTimeRecoveryUnavailableException` (recovery is off for the source),
    ///   `InvalidRestoreTimeException` (outside the table's window; the message gives it).
    public func restoreTableToPointInTime(
        _ request: RestoreTableToPointInTimeRequest, progress: (RestoreProgress) -> Void = { _ in }
    ) throws -> RestoreTableToPointInTimeResponse {
        try requireTable(request.sourceTableName)
        if (try? tables.describeTable(DescribeTableRequest(tableName: request.targetTableName))) != nil {
            throw DynamoError(.tableAlreadyExists, "Table already exists: \(request.targetTableName)")
        }
        guard let archive, let setting = archive.state.tables[request.sourceTableName], setting.enabled else {
            throw DynamoError(.pointInTimeRecoveryUnavailable,
                "Point in time recovery is not enabled for table '\(request.sourceTableName)'")
        }
        try archive.archiveNow()  // "latest" includes what was committed until now
        let window = try tableWindow(request.sourceTableName)
        let target: RestoreTarget
        if request.useLatestRestorableTime {
            target = .latest
        } else {
            guard let microseconds = request.restoreDateTimeMicroseconds else {
                throw DynamoError(.validation, "Either RestoreDateTime or UseLatestRestorableTime must be given")
            }
            let instant = HybridTimestamp.endOf(microsecond: microseconds)
            guard let window, window.contains(instant) else {
                let range = window.map { "\($0.earliest) – \($0.latest)" } ?? "empty"
                throw DynamoError(.invalidRestoreTime,
                    "RestoreDateTime \(UTCTime.format(microseconds: microseconds)) is outside the restorable window \(range)")
            }
            target = .instant(microseconds: microseconds)
        }
        let scratch = Path.join(archive.directory, "restores/tmp-\(restoreCounter.add(1, ordering: .relaxed).newValue)-\(ProcessIdentity.current)")
        try archive.fileSystem.createDirectory(Path.join(archive.directory, "restores"))
        defer { ArchiveRestore.removeTree(scratch, fileSystem: archive.fileSystem) }
        _ = try ArchiveRestore.restore(
            archive: archive.directory, to: target, into: scratch, tables: nil, fileSystem: archive.fileSystem, progress: progress)
        var options = StoreOptions()
        options.fileSystem = archive.fileSystem
        let restored = try TableStore.open(at: scratch, storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        defer { try? restored.close() }
        let description = try TableCopy.copy(
            table: request.sourceTableName, from: restored, to: tables, as: request.targetTableName)
        try tables.store.sync()
        return RestoreTableToPointInTimeResponse(tableDescription: description)
    }

    private func requireTable(_ name: String) throws {
        do {
            _ = try tables.describeTable(DescribeTableRequest(tableName: name))
        } catch let error as DynamoError where error.code == .resourceNotFound {
            throw DynamoError(.tableNotFound, "Table not found: \(name)")
        }
    }

    /// The window of a table: from when its recovery was switched on (no earlier than the
    /// archive's) to the archive's latest instant; nil while recovery is off.
    private func tableWindow(_ name: String) throws -> ArchiveState.Window? {
        guard let archive, let setting = archive.state.tables[name], setting.enabled,
              var window = archive.state.window else { return nil }
        window.earliest = max(window.earliest, setting.since)
        // A restore first ships what the archive lacks (`archiveNow`), so while the archive is
        // healthy the latest restorable instant is the last commit, not the last pass.
        if archive.status.failure == nil { window.latest = max(window.latest, tables.store.lastCommittedStamp) }
        guard window.earliest <= window.latest else { return nil }
        return window
    }

    private func describe(_ name: String) throws -> ContinuousBackupsDescription {
        guard let archive else {
            return ContinuousBackupsDescription(
                continuousBackupsStatus: "DISABLED",
                pointInTimeRecoveryDescription: PointInTimeRecoveryDescription(pointInTimeRecoveryStatus: "DISABLED"))
        }
        let days = Int(microseconds(archive.options.retention) / 86_400_000_000)
        guard archive.state.tables[name]?.enabled == true else {
            return ContinuousBackupsDescription(
                continuousBackupsStatus: "ENABLED",
                pointInTimeRecoveryDescription: PointInTimeRecoveryDescription(pointInTimeRecoveryStatus: "DISABLED"))
        }
        let window = try tableWindow(name)
        return ContinuousBackupsDescription(
            continuousBackupsStatus: "ENABLED",
            pointInTimeRecoveryDescription: PointInTimeRecoveryDescription(
                pointInTimeRecoveryStatus: "ENABLED",
                earliestRestorableDateTimeMicroseconds: window?.earliest.physicalMicroseconds,
                latestRestorableDateTimeMicroseconds: window?.latest.physicalMicroseconds,
                recoveryPeriodInDays: max(1, days)))
    }
}

/// The process id, to keep scratch directories of concurrent processes apart.
enum ProcessIdentity {
    static var current: Int32 { getpid() }
}
