// The shapes of DynamoDB's point-in-time-recovery operations (UpdateContinuousBackups,
// DescribeContinuousBackups, RestoreTableToPointInTime), in the request/response style of the
// table layer. TernRecovery implements them over a continuous archive; the node's wire API
// encodes them. Times are microseconds since the Unix epoch (DynamoDB sends epoch seconds with a
// fraction; Tern restores to the microsecond).

/// A table's point-in-time-recovery setting and window.
public struct PointInTimeRecoveryDescription: Sendable, Hashable {
    /// `ENABLED` or `DISABLED`.
    public var pointInTimeRecoveryStatus: String
    /// The earliest instant the table can be restored to (nil while disabled).
    public var earliestRestorableDateTimeMicroseconds: UInt64?
    /// The latest instant the table can be restored to (nil while disabled).
    public var latestRestorableDateTimeMicroseconds: UInt64?
    /// How many days back restores reach (the archive's retention).
    public var recoveryPeriodInDays: Int?

    public init(pointInTimeRecoveryStatus: String, earliestRestorableDateTimeMicroseconds: UInt64? = nil,
                latestRestorableDateTimeMicroseconds: UInt64? = nil, recoveryPeriodInDays: Int? = nil) {
        self.pointInTimeRecoveryStatus = pointInTimeRecoveryStatus
        self.earliestRestorableDateTimeMicroseconds = earliestRestorableDateTimeMicroseconds
        self.latestRestorableDateTimeMicroseconds = latestRestorableDateTimeMicroseconds
        self.recoveryPeriodInDays = recoveryPeriodInDays
    }
}

/// A table's continuous backups: `ENABLED` whenever an archive is configured.
public struct ContinuousBackupsDescription: Sendable, Hashable {
    public var continuousBackupsStatus: String
    public var pointInTimeRecoveryDescription: PointInTimeRecoveryDescription

    public init(continuousBackupsStatus: String, pointInTimeRecoveryDescription: PointInTimeRecoveryDescription) {
        self.continuousBackupsStatus = continuousBackupsStatus
        self.pointInTimeRecoveryDescription = pointInTimeRecoveryDescription
    }
}

/// UpdateContinuousBackups' parameters: switch point-in-time recovery of a table on or off.
public struct UpdateContinuousBackupsRequest: Sendable, Hashable {
    public var tableName: String
    public var pointInTimeRecoveryEnabled: Bool
    /// Accepted for compatibility; the archive's retention decides the window.
    public var recoveryPeriodInDays: Int?

    public init(tableName: String, pointInTimeRecoveryEnabled: Bool, recoveryPeriodInDays: Int? = nil) {
        self.tableName = tableName
        self.pointInTimeRecoveryEnabled = pointInTimeRecoveryEnabled
        self.recoveryPeriodInDays = recoveryPeriodInDays
    }
}

/// UpdateContinuousBackups' result.
public struct UpdateContinuousBackupsResponse: Sendable, Hashable {
    public var continuousBackupsDescription: ContinuousBackupsDescription
    public init(continuousBackupsDescription: ContinuousBackupsDescription) {
        self.continuousBackupsDescription = continuousBackupsDescription
    }
}

/// DescribeContinuousBackups' parameters.
public struct DescribeContinuousBackupsRequest: Sendable, Hashable {
    public var tableName: String
    public init(tableName: String) { self.tableName = tableName }
}

/// DescribeContinuousBackups' result.
public struct DescribeContinuousBackupsResponse: Sendable, Hashable {
    public var continuousBackupsDescription: ContinuousBackupsDescription
    public init(continuousBackupsDescription: ContinuousBackupsDescription) {
        self.continuousBackupsDescription = continuousBackupsDescription
    }
}

/// RestoreTableToPointInTime's parameters: the source table as of an instant, into a new table.
public struct RestoreTableToPointInTimeRequest: Sendable, Hashable {
    public var sourceTableName: String
    public var targetTableName: String
    /// Restore to the latest restorable instant (then `restoreDateTimeMicroseconds` is ignored).
    public var useLatestRestorableTime: Bool
    /// The instant: every write committed at or before this microsecond.
    public var restoreDateTimeMicroseconds: UInt64?

    public init(sourceTableName: String, targetTableName: String, useLatestRestorableTime: Bool = false,
                restoreDateTimeMicroseconds: UInt64? = nil) {
        self.sourceTableName = sourceTableName
        self.targetTableName = targetTableName
        self.useLatestRestorableTime = useLatestRestorableTime
        self.restoreDateTimeMicroseconds = restoreDateTimeMicroseconds
    }
}

/// RestoreTableToPointInTime's result: the new table.
public struct RestoreTableToPointInTimeResponse: Sendable, Hashable {
    public var tableDescription: TableDescription
    public init(tableDescription: TableDescription) { self.tableDescription = tableDescription }
}
