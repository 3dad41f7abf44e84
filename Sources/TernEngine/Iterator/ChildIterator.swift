/// One sorted source of internal keys inside a merge: a memtable or an SSTable. An enum rather
/// than a protocol existential, so every call is a direct, inlinable switch.
enum ChildIterator {
    case memtable(MemtableIterator)
    case table(SSTableCursor)
    case level(LevelCursor)

    var isValid: Bool {
        switch self {
        case .memtable(let iterator): iterator.isValid
        case .table(let cursor): cursor.iterator.isValid
        case .level(let cursor): cursor.isValid
        }
    }

    /// The current internal key; valid until this child moves.
    var key: UnsafeRawBufferPointer {
        switch self {
        case .memtable(let iterator): iterator.key
        case .table(let cursor): cursor.iterator.key
        case .level(let cursor): cursor.key
        }
    }

    /// The current value; valid until this child moves.
    var value: UnsafeRawBufferPointer {
        switch self {
        case .memtable(let iterator): iterator.value
        case .table(let cursor): cursor.iterator.value
        case .level(let cursor): cursor.value
        }
    }

    var error: TernError? {
        switch self {
        case .memtable: nil
        case .table(let cursor): cursor.iterator.error
        case .level(let cursor): cursor.iteratorError
        }
    }

    mutating func seekToFirst() {
        switch self {
        case .memtable(var iterator): iterator.seekToFirst(); self = .memtable(iterator)
        case .table(let cursor): cursor.iterator.seekToFirst()
        case .level(let cursor): cursor.seekToFirst()
        }
    }

    mutating func seekToLast() {
        switch self {
        case .memtable(var iterator): iterator.seekToLast(); self = .memtable(iterator)
        case .table(let cursor): cursor.iterator.seekToLast()
        case .level(let cursor): cursor.seekToLast()
        }
    }

    mutating func seek(_ target: UnsafeRawBufferPointer) {
        switch self {
        case .memtable(var iterator): iterator.seek(target); self = .memtable(iterator)
        case .table(let cursor): cursor.iterator.seek(target)
        case .level(let cursor): cursor.seek(target)
        }
    }

    mutating func next() {
        switch self {
        case .memtable(var iterator): iterator.next(); self = .memtable(iterator)
        case .table(let cursor): cursor.iterator.next()
        case .level(let cursor): cursor.next()
        }
    }

    mutating func prev() {
        switch self {
        case .memtable(var iterator): iterator.prev(); self = .memtable(iterator)
        case .table(let cursor): cursor.iterator.prev()
        case .level(let cursor): cursor.prev()
        }
    }
}

/// A box for a `~Copyable` `SSTableIterator`, so it can sit in the merge's array.
/// Thread safety: none; confined to the iterator's thread like the iterator itself.
final class SSTableCursor {
    var iterator: SSTableIterator

    init(_ iterator: consuming SSTableIterator) {
        self.iterator = iterator
    }
}
