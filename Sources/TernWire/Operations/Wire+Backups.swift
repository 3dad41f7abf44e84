// UpdateContinuousBackups, DescribeContinuousBackups and RestoreTableToPointInTime: DynamoDB's
// point-in-time-recovery operations. Times travel as JSON numbers of epoch seconds with a
// fraction (DynamoDB's timestamp type); Tern reads and writes them to the microsecond, exactly
// (decimal text, no binary floating point in between).
import TernTables

extension WireDecoding {
    /// Epoch seconds (a JSON number, possibly with a fraction or an exponent) as microseconds.
    /// Digits past the microsecond are cut (a restore "to 10:31:07.2500009" is to .250000).
    static func epochMicroseconds(_ json: JSONValue, at member: WirePath) throws(WireError) -> UInt64 {
        guard case .number(let text) = json, let number = try? Number(text), !number.isNegative else {
            throw typeError(json, expected: "a timestamp", at: member)
        }
        // value = coefficient × 10^exponent; in µs: × 10^6.
        let exponent = number.exponent + 6
        var micros = number.coefficient
        if exponent >= 0 {
            for _ in 0..<exponent {
                let (next, overflow) = micros.multipliedReportingOverflow(by: 10)
                guard !overflow, next <= UInt128(UInt64.max) else { throw typeError(json, expected: "a timestamp", at: member) }
                micros = next
            }
        } else {
            for _ in 0..<(-exponent) { micros /= 10 }
        }
        return UInt64(micros)
    }
}

extension JSONWriter {
    /// `seconds.micros` of an epoch-microseconds time, as a JSON number.
    mutating func epochSeconds(_ name: String, _ microseconds: UInt64?) {
        guard let microseconds else { return }
        key(name)
        let fraction = String(microseconds % 1_000_000)
        numberLiteral("\(microseconds / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)")
    }

    mutating func continuousBackups(_ description: ContinuousBackupsDescription) {
        key("ContinuousBackupsDescription")
        beginObject()
        member("ContinuousBackupsStatus", description.continuousBackupsStatus)
        key("PointInTimeRecoveryDescription")
        beginObject()
        let recovery = description.pointInTimeRecoveryDescription
        member("PointInTimeRecoveryStatus", recovery.pointInTimeRecoveryStatus)
        epochSeconds("EarliestRestorableDateTime", recovery.earliestRestorableDateTimeMicroseconds)
        epochSeconds("LatestRestorableDateTime", recovery.latestRestorableDateTimeMicroseconds)
        member("RecoveryPeriodInDays", recovery.recoveryPeriodInDays)
        endObject()
        endObject()
    }
}

extension WireObject {
    func continuousBackups() throws(WireError) -> ContinuousBackupsDescription {
        let description = try requiredObject("ContinuousBackupsDescription")
        let recovery = try description.object("PointInTimeRecoveryDescription")
        func time(_ name: String) throws(WireError) -> UInt64? {
            guard let recovery, let json = recovery[name] else { return nil }
            return try WireDecoding.epochMicroseconds(json, at: recovery.memberPath(name))
        }
        return ContinuousBackupsDescription(
            continuousBackupsStatus: try description.requiredString("ContinuousBackupsStatus"),
            pointInTimeRecoveryDescription: PointInTimeRecoveryDescription(
                pointInTimeRecoveryStatus: try recovery?.string("PointInTimeRecoveryStatus") ?? "DISABLED",
                earliestRestorableDateTimeMicroseconds: try time("EarliestRestorableDateTime"),
                latestRestorableDateTimeMicroseconds: try time("LatestRestorableDateTime"),
                recoveryPeriodInDays: try recovery?.int("RecoveryPeriodInDays")))
    }
}

extension UpdateContinuousBackupsRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        let specification = try object.requiredObject("PointInTimeRecoverySpecification")
        guard let enabled = try specification.bool("PointInTimeRecoveryEnabled") else {
            throw WireError.missing(specification.memberPath("PointInTimeRecoveryEnabled"))
        }
        let days = try specification.int("RecoveryPeriodInDays")
        if let days, !(1...35).contains(days) {
            throw WireError.validation(
                "1 validation error detected: Value '\(days)' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value between 1 and 35")
        }
        self.init(tableName: try object.requiredString("TableName"), pointInTimeRecoveryEnabled: enabled, recoveryPeriodInDays: days)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.key("PointInTimeRecoverySpecification")
        writer.beginObject()
        writer.member("PointInTimeRecoveryEnabled", pointInTimeRecoveryEnabled)
        writer.member("RecoveryPeriodInDays", recoveryPeriodInDays)
        writer.endObject()
        writer.endObject()
    }
}

extension UpdateContinuousBackupsResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(continuousBackupsDescription: try object.continuousBackups())
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.continuousBackups(continuousBackupsDescription)
        writer.endObject()
    }
}

extension DescribeContinuousBackupsRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(tableName: try object.requiredString("TableName"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.endObject()
    }
}

extension DescribeContinuousBackupsResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(continuousBackupsDescription: try object.continuousBackups())
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.continuousBackups(continuousBackupsDescription)
        writer.endObject()
    }
}

extension RestoreTableToPointInTimeRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        var source = try object.string("SourceTableName")
        if source == nil, let arn = try object.string("SourceTableArn") { source = String(arn.split(separator: "/").last ?? "") }
        guard let source, !source.isEmpty else { throw WireError.missing(object.memberPath("SourceTableName")) }
        let time = try object["RestoreDateTime"].map { (json) throws(WireError) in
            try WireDecoding.epochMicroseconds(json, at: object.memberPath("RestoreDateTime"))
        }
        let latest = try object.bool("UseLatestRestorableTime") ?? false
        if latest && time != nil {
            throw WireError.validation("Only one of RestoreDateTime or UseLatestRestorableTime can be specified")
        }
        self.init(sourceTableName: source, targetTableName: try object.requiredString("TargetTableName"),
                  useLatestRestorableTime: latest, restoreDateTimeMicroseconds: time)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("SourceTableName", sourceTableName)
        writer.member("TargetTableName", targetTableName)
        if useLatestRestorableTime { writer.member("UseLatestRestorableTime", true) }
        writer.epochSeconds("RestoreDateTime", restoreDateTimeMicroseconds)
        writer.endObject()
    }
}

extension RestoreTableToPointInTimeResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(tableDescription: try TableDescription(wire: try object.requiredObject("TableDescription")))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("TableDescription")
        tableDescription.encode(to: &writer)
        writer.endObject()
    }
}
