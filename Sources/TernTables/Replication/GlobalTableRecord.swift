import TernEngine

/// The identity of a global table, the same in every region: the region that first made the
/// table global and the clock value when it did. Changes name the table by its name *and* this
/// identity, so a change of a dropped incarnation never lands in a table re-created under the
/// same name.
public struct GlobalTableID: Hashable, Sendable, CustomStringConvertible {
    public var region: RegionID
    public var time: HybridTimestamp

    public init(region: RegionID, time: HybridTimestamp) {
        self.region = region
        self.time = time
    }

    public var description: String { "\(region)/\(time.rawValue)" }
}

/// A replica region's status, as DescribeTable reports it (`ReplicaStatus`).
public enum ReplicaStatus: UInt8, Sendable, Hashable {
    /// Listed, but the region has not yet created its replica (it has not applied the change that
    /// named it).
    case creating = 0
    /// The region holds the table and replicates it.
    case active = 1

    /// DynamoDB's name.
    public var name: String {
        switch self {
        case .creating: "CREATING"
        case .active: "ACTIVE"
        }
    }
}

/// One replica of a global table, as DescribeTable lists it under `Replicas`.
public struct ReplicaDescription: Hashable, Sendable {
    public var regionName: String
    public var replicaStatus: ReplicaStatus

    public init(regionName: String, replicaStatus: ReplicaStatus) {
        self.regionName = regionName
        self.replicaStatus = replicaStatus
    }
}

/// What makes a table global: its global identity and replica set, stored in the catalog at
/// `[0][4][table id]` (see `docs/tables.md`) and replicated like an item (the newest `stamp` wins).
///
/// ```
/// record   = %x01 name global-id stamp count *replica
/// name     = varint *OCTET                   ; the table name, UTF-8
/// global-id= region hlc:8OCTET               ; hlc big-endian
/// stamp    = hlc:8OCTET region               ; the change that wrote this record
/// replica  = region status                   ; status %x00 CREATING / %x01 ACTIVE; sorted by region
/// region   = length:OCTET 1*64OCTET
/// ```
public struct GlobalTableRecord: Hashable, Sendable {
    /// The version byte every record starts with. Bump it on any change to the bytes.
    public static let formatVersion: UInt8 = 1

    public var tableName: String
    public var id: GlobalTableID
    /// The change that wrote this version of the record (replica set changes are last writer wins).
    public var stamp: WriteStamp
    /// Every region holding the table, this one included, sorted by region.
    public var replicas: [RegionID: ReplicaStatus]

    public init(tableName: String, id: GlobalTableID, stamp: WriteStamp, replicas: [RegionID: ReplicaStatus]) {
        self.tableName = tableName
        self.id = id
        self.stamp = stamp
        self.replicas = replicas
    }

    /// The replicas sorted by region, as DescribeTable lists them.
    public var replicaDescriptions: [ReplicaDescription] {
        replicas.keys.sorted().map { ReplicaDescription(regionName: $0.name, replicaStatus: replicas[$0]!) }
    }

    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [GlobalTableRecord.formatVersion]
        bytes.appendVarUInt(tableName.utf8.count)
        bytes.append(contentsOf: tableName.utf8)
        GlobalTableRecord.appendRegion(id.region, to: &bytes)
        StampEntry.appendBigEndian(id.time.rawValue, to: &bytes)
        StampEntry.append(stamp, to: &bytes)
        bytes.appendVarUInt(replicas.count)
        for region in replicas.keys.sorted() {
            GlobalTableRecord.appendRegion(region, to: &bytes)
            bytes.append(replicas[region]!.rawValue)
        }
        return bytes
    }

    /// Decodes a record, validating every byte.
    ///
    /// - Throws: `TernError` `.unsupportedFormat` for another version, `.corruption` otherwise.
    public static func decode(_ bytes: [UInt8]) throws -> GlobalTableRecord {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = ByteReader(buffer, format: "global table record")
            let version = try reader.readByte()
            guard version == formatVersion else {
                throw TernError(.unsupportedFormat, "global table record version \(version) is not \(formatVersion)")
            }
            let name = try reader.readString(try reader.readCount())
            let region = try readRegion(&reader)
            var time: UInt64 = 0
            for byte in try reader.readSlice(8) { time = time << 8 | UInt64(byte) }
            guard let stamp = try StampEntry.readStamp(&reader) else { throw reader.corruption("a record without a stamp") }
            let count = try reader.readCount()
            var replicas: [RegionID: ReplicaStatus] = [:]
            var last: RegionID?
            for _ in 0..<count {
                let replica = try readRegion(&reader)
                guard let status = ReplicaStatus(rawValue: try reader.readByte()) else { throw reader.corruption("unknown replica status") }
                guard last.map({ $0 < replica }) ?? true else { throw reader.corruption("replicas out of order") }
                replicas[replica] = status
                last = replica
            }
            guard reader.isAtEnd else { throw reader.corruption("\(reader.remaining) bytes after the record") }
            return GlobalTableRecord(
                tableName: name, id: GlobalTableID(region: region, time: HybridTimestamp(rawValue: time)), stamp: stamp,
                replicas: replicas)
        }
    }

    static func appendRegion(_ region: RegionID, to bytes: inout [UInt8]) {
        bytes.append(UInt8(region.name.utf8.count))
        bytes.append(contentsOf: region.name.utf8)
    }

    static func readRegion(_ reader: inout ByteReader) throws -> RegionID {
        let text = String(decoding: try reader.readSlice(Int(try reader.readByte())), as: UTF8.self)
        guard RegionID.isValid(text) else { throw reader.corruption("invalid region name") }
        return RegionID(unchecked: text)
    }
}
