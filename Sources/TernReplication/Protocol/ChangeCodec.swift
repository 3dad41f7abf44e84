import TernEngine
import TernTables

/// The payload of a `changes` frame (`docs/formats/replication.md`, "Changes"):
///
/// ```
/// changes = flags:1 first:8 through:8 commit:8 feed-horizon:8 applied-horizon:8
///           table-count:varint *table change-count:varint *change
/// table   = name:string global-region:string global-time:8
/// change  = %x01 table-index:varint key:bytes stamp previous item
///         / %x02 record:bytes definition
/// item    = %x00 / %x01 bytes              ; absent: a delete
/// definition = %x00 / %x01 bytes           ; the table's catalog record
/// stamp   = hlc:8 region:string ;  previous = stamp / (8 zero bytes, empty string)
/// bytes   = varint *OCTET ;  string = bytes (UTF-8)
/// ```
///
/// `flags` bit 0: after a gap (`ChangesMessage.afterGap`); the other bits are zero.
/// Table names and identities are listed once per frame and referenced by index.
enum ChangeCodec {
    static func encode(_ message: ChangesMessage, into payload: inout [UInt8]) {
        payload.append(message.afterGap ? 1 : 0)
        payload.appendUInt64(message.first.rawValue)
        payload.appendUInt64(message.through.rawValue)
        payload.appendUInt64(message.commitStamp.rawValue)
        payload.appendUInt64(message.feedHorizon.rawValue)
        payload.appendUInt64(message.appliedHorizon.rawValue)
        encodeChanges(message.changes, into: &payload)
    }

    /// The table list and the changes (the second half of a `changes` payload; also a repair's).
    static func encodeChanges(_ changes: [ReplicatedChange], into payload: inout [UInt8]) {
        // Keyed by name and identity: one frame may carry changes of two incarnations of a name.
        var tables: [TableReference: Int] = [:]
        var order: [(String, GlobalTableID)] = []
        for change in changes {
            if case .item(let item) = change, tables[TableReference(item)] == nil {
                tables[TableReference(item)] = order.count
                order.append((item.tableName, item.tableID))
            }
        }
        payload.appendVarint(UInt64(order.count))
        for (name, id) in order {
            payload.appendString(name)
            payload.appendString(id.region.name)
            payload.appendUInt64(id.time.rawValue)
        }
        payload.appendVarint(UInt64(changes.count))
        for change in changes {
            switch change {
            case .item(let item):
                payload.append(1)
                payload.appendVarint(UInt64(tables[TableReference(item)]!))
                payload.appendLengthPrefixed(item.key)
                payload.appendStamp(item.stamp)
                payload.appendOptionalStamp(item.previous)
                if let bytes = item.item {
                    payload.append(1)
                    payload.appendLengthPrefixed(bytes)
                } else {
                    payload.append(0)
                }
            case .table(let table):
                payload.append(2)
                payload.appendLengthPrefixed(table.record.encoded())
                if let definition = table.definition {
                    payload.append(1)
                    payload.appendLengthPrefixed(definition)
                } else {
                    payload.append(0)
                }
            }
        }
    }

    /// The flags byte of `changes` and `heartbeat` payloads (bit 0: after a gap).
    static func flags(_ reader: inout WireReader) throws(ProtocolError) -> Bool {
        let flags = try reader.byte()
        guard flags & ~1 == 0 else { throw .malformed("unknown flags \(flags)") }
        return flags == 1
    }

    static func decode(_ reader: inout WireReader) throws(ProtocolError) -> ChangesMessage {
        let afterGap = try flags(&reader)
        let first = SequenceNumber(try reader.uint64())
        let through = SequenceNumber(try reader.uint64())
        guard first.rawValue >= 1, first <= through else { throw .malformed("a changes frame for sequences \(first)...\(through)") }
        let commit = HybridTimestamp(rawValue: try reader.uint64())
        let feedHorizon = HybridTimestamp(rawValue: try reader.uint64())
        let appliedHorizon = HybridTimestamp(rawValue: try reader.uint64())
        return ChangesMessage(
            afterGap: afterGap, first: first, through: through, commitStamp: commit, feedHorizon: feedHorizon, appliedHorizon: appliedHorizon,
            changes: try decodeChanges(&reader))
    }

    static func decodeChanges(_ reader: inout WireReader) throws(ProtocolError) -> [ReplicatedChange] {
        var tables: [(String, GlobalTableID)] = []
        for _ in 0..<(try reader.count()) {
            let name = try reader.string()
            let region = try reader.region()
            tables.append((name, GlobalTableID(region: region, time: HybridTimestamp(rawValue: try reader.uint64()))))
        }
        var changes: [ReplicatedChange] = []
        for _ in 0..<(try reader.count()) {
            switch try reader.byte() {
            case 1:
                let index = try reader.varint()
                guard index < UInt64(tables.count) else { throw .malformed("a change names table \(index) of \(tables.count)") }
                let key = try reader.lengthPrefixed()
                let stamp = try reader.stamp()
                let previous = try reader.optionalStamp()
                let item = try optionalBytes(&reader)
                let (name, id) = tables[Int(index)]
                changes.append(.item(ItemChange(tableName: name, tableID: id, key: key, item: item, stamp: stamp, previous: previous)))
            case 2:
                let record: GlobalTableRecord
                do {
                    record = try GlobalTableRecord.decode(try reader.lengthPrefixed())
                } catch let error as ProtocolError {
                    throw error
                } catch {
                    throw .malformed("a table record: \(error)")
                }
                changes.append(.table(TableMetadataChange(record: record, definition: try optionalBytes(&reader))))
            case let kind:
                throw .malformed("unknown change kind \(kind)")
            }
        }
        return changes
    }

    private static func optionalBytes(_ reader: inout WireReader) throws(ProtocolError) -> [UInt8]? {
        switch try reader.byte() {
        case 0: return nil
        case 1: return try reader.lengthPrefixed()
        case let flag: throw .malformed("a presence flag of \(flag)")
        }
    }
}

private struct TableReference: Hashable {
    var name: String
    var id: GlobalTableID

    init(_ change: ItemChange) {
        name = change.tableName
        id = change.tableID
    }
}
