import TernEngine

/// One page of a Query or Scan: walks an engine key range in one direction at one snapshot,
/// applying DynamoDB's paging rules.
///
/// - `Limit` counts items *read* (matching the key condition; expired items are invisible and not
///   counted), before the filter (rule 39);
/// - the page also ends once 1 MB of stored items has been read;
/// - when either stopped the page and another entry follows in the range, `LastEvaluatedKey` names
///   the last item read, even if the filter dropped it (rules 41, 42); a page that ends exactly at
///   the last entry has no LEK (rule 44);
/// - Scan segments keep the entries whose partition element hashes to the segment (rule 46).
struct PageReader {
    /// The largest page in stored bytes.
    static let maxPageBytes = 1 << 20

    let target: ReadTarget
    var lower: [UInt8]
    var upper: [UInt8]
    let forward: Bool
    let limit: Int?
    let reader: ItemReader
    /// Scan segment: (segment, totalSegments).
    let segment: (index: Int, total: Int)?
    /// On an LSI whose projection lacks what the request needs: reads items from the table.
    let tableReader: ItemReader?

    /// Narrows the range to resume strictly after `position` in the read's direction (rule 45).
    mutating func resume(after position: [UInt8]) {
        if forward {
            let next = position + [0x00]
            if compareBytes(next, lower) > 0 { lower = next }
        } else if compareBytes(position, upper) < 0 {
            upper = position
        }
    }

    func run(store: Store, snapshot: ReadSnapshot) throws -> QueryResponse {
        var response = QueryResponse(items: [], count: 0, scannedCount: 0, lastEvaluatedKey: nil)
        guard compareBytes(lower, upper) < 0 else { return response }
        var iterator = try store.makeIterator(lowerBound: lower, upperBound: upper, snapshot: snapshot)
        if forward { iterator.seekToFirst() } else { iterator.seekToLast() }
        var bytesRead = 0
        while iterator.isValid {
            if let segment, !inSegment(iterator, segment) {
                advance(&iterator)
                continue
            }
            let outcome: ItemReader.Outcome
            if let tableReader {
                outcome = try readFromTable(iterator.key, reader: tableReader, store: store, snapshot: snapshot)
            } else {
                outcome = try iterator.withValue { raw in
                    bytesRead += raw.count
                    return try reader.read(raw.assumingMemoryBound(to: UInt8.self))
                }
            }
            if case .expired = outcome {
                advance(&iterator)
                continue
            }
            response.scannedCount += 1
            switch outcome {
            case .item(let item):
                response.items.append(item)
                response.count += 1
            case .counted:
                response.count += 1
            case .expired, .filtered:
                break
            }
            if response.scannedCount == limit || bytesRead >= PageReader.maxPageBytes {
                let last = iterator.key
                advance(&iterator)
                if iterator.isValid { response.lastEvaluatedKey = try target.lastEvaluatedKey(last) }
                break
            }
            advance(&iterator)
        }
        try iterator.checkError()
        return response
    }

    private func advance(_ iterator: inout StoreIterator) {
        if forward { iterator.next() } else { iterator.prev() }
    }

    private func inSegment(_ iterator: borrowing StoreIterator, _ segment: (index: Int, total: Int)) -> Bool {
        iterator.withKey { key in
            let start = target.prefix.count
            guard let length = KeyEncoding.elementLength(key, at: start) else { return true }
            let hash = KeyLayout.stableHash(UnsafeRawBufferPointer(rebasing: key[start..<(start + length)]))
            return Int(hash % UInt64(segment.total)) == segment.index
        }
    }

    private func readFromTable(_ entryKey: [UInt8], reader: ItemReader, store: Store, snapshot: ReadSnapshot) throws -> ItemReader.Outcome {
        let itemKey = target.table.itemKey(try target.primaryKey(ofEngineKey: entryKey))
        guard let bytes = try store.get(itemKey, snapshot: snapshot) else { return .expired }
        return try bytes.withUnsafeBufferPointer { try reader.read($0) }
    }
}

/// -1, 0 or 1 comparing byte strings as unsigned bytes.
func compareBytes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
    lhs.withUnsafeBufferPointer { left in rhs.withUnsafeBufferPointer { right in ByteOrder.compareBuffers(left, right) } }
}
