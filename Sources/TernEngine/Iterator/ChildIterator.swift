/// One sorted source of internal keys inside a merge: a memtable, an SSTable or a whole level.
///
/// An enum of classes rather than a protocol existential, so every call is a direct switch; the
/// classes keep their mutable iterator state in memory they own through a `let` pointer, so a
/// step costs neither a dynamic exclusivity check (as a class `var` would) nor a copy of the
/// iterator out of the enum and back (as a struct payload would).
enum ChildIterator {
    case memtable(MemtableCursor)
    case table(SSTableCursor)
    case level(LevelCursor)

    var isValid: Bool {
        switch self {
        case .memtable(let cursor): cursor.state.pointee.isValid
        case .table(let cursor): cursor.state.pointee.isValid
        case .level(let cursor): cursor.isValid
        }
    }

    /// The current internal key; valid until this child moves.
    var key: UnsafeRawBufferPointer {
        switch self {
        case .memtable(let cursor): cursor.state.pointee.key
        case .table(let cursor): cursor.state.pointee.key
        case .level(let cursor): cursor.key
        }
    }

    /// The current value; valid until this child moves.
    var value: UnsafeRawBufferPointer {
        switch self {
        case .memtable(let cursor): cursor.state.pointee.value
        case .table(let cursor): cursor.state.pointee.value
        case .level(let cursor): cursor.value
        }
    }

    var error: TernError? {
        switch self {
        case .memtable: nil
        case .table(let cursor): cursor.state.pointee.error
        case .level(let cursor): cursor.iteratorError
        }
    }

    /// The file this child reads (for error messages), or "memtable".
    var sourceName: String {
        switch self {
        case .memtable: "memtable"
        case .table(let cursor): cursor.state.pointee.table.path
        case .level(let cursor): cursor.currentPath ?? "a level's files"
        }
    }

    func seekToFirst() {
        switch self {
        case .memtable(let cursor): cursor.state.pointee.seekToFirst()
        case .table(let cursor): cursor.state.pointee.seekToFirst()
        case .level(let cursor): cursor.seekToFirst()
        }
    }

    func seekToLast() {
        switch self {
        case .memtable(let cursor): cursor.state.pointee.seekToLast()
        case .table(let cursor): cursor.state.pointee.seekToLast()
        case .level(let cursor): cursor.seekToLast()
        }
    }

    func seek(_ target: UnsafeRawBufferPointer) {
        switch self {
        case .memtable(let cursor): cursor.state.pointee.seek(target)
        case .table(let cursor): cursor.state.pointee.seek(target)
        case .level(let cursor): cursor.seek(target)
        }
    }

    func next() {
        switch self {
        case .memtable(let cursor): cursor.state.pointee.next()
        case .table(let cursor): cursor.state.pointee.next()
        case .level(let cursor): cursor.next()
        }
    }

    func prev() {
        switch self {
        case .memtable(let cursor): cursor.state.pointee.prev()
        case .table(let cursor): cursor.state.pointee.prev()
        case .level(let cursor): cursor.prev()
        }
    }
}

/// Owns a `MemtableIterator` at a stable address.
/// Thread safety: none; confined to its iterator's thread.
final class MemtableCursor {
    let state: UnsafeMutablePointer<MemtableIterator>

    init(_ iterator: MemtableIterator) {
        state = .allocate(capacity: 1)
        state.initialize(to: iterator)
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }
}

/// Owns a `~Copyable` `SSTableIterator` at a stable address, so it can sit in the merge's array.
/// Thread safety: none; confined to its iterator's thread.
final class SSTableCursor {
    let state: UnsafeMutablePointer<SSTableIterator>

    init(_ iterator: consuming SSTableIterator) {
        state = .allocate(capacity: 1)
        state.initialize(to: iterator)
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }
}
