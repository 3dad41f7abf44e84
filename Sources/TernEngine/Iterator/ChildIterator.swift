/// One sorted source of internal keys inside a merge: a memtable or an SSTable. An enum rather
/// than a protocol existential, so every call is a direct, inlinable switch.
enum ChildIterator {
    case memtable(MemtableIterator)
    case table(TableIterator)

    var isValid: Bool {
        switch self {
        case .memtable(let iterator): iterator.isValid
        case .table(let iterator): iterator.isValid
        }
    }

    /// The current internal key; valid until this child moves.
    var key: UnsafeRawBufferPointer {
        switch self {
        case .memtable(let iterator): iterator.key
        case .table(let iterator): iterator.key
        }
    }

    /// The current value; valid until this child moves.
    var value: UnsafeRawBufferPointer {
        switch self {
        case .memtable(let iterator): iterator.value
        case .table(let iterator): iterator.value
        }
    }

    var error: TernError? {
        switch self {
        case .memtable: nil
        case .table(let iterator): iterator.error
        }
    }

    mutating func seekToFirst() {
        switch self {
        case .memtable(var iterator): iterator.seekToFirst(); self = .memtable(iterator)
        case .table(var iterator): iterator.seekToFirst(); self = .table(iterator)
        }
    }

    mutating func seekToLast() {
        switch self {
        case .memtable(var iterator): iterator.seekToLast(); self = .memtable(iterator)
        case .table(var iterator): iterator.seekToLast(); self = .table(iterator)
        }
    }

    mutating func seek(_ target: UnsafeRawBufferPointer) {
        switch self {
        case .memtable(var iterator): iterator.seek(target); self = .memtable(iterator)
        case .table(var iterator): iterator.seek(target); self = .table(iterator)
        }
    }

    mutating func next() {
        switch self {
        case .memtable(var iterator): iterator.next(); self = .memtable(iterator)
        case .table(var iterator): iterator.next(); self = .table(iterator)
        }
    }

    mutating func prev() {
        switch self {
        case .memtable(var iterator): iterator.prev(); self = .memtable(iterator)
        case .table(var iterator): iterator.prev(); self = .table(iterator)
        }
    }
}
