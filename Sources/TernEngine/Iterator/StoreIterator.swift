/// A cursor over the store's user keys at one read snapshot, forward or backward, optionally
/// confined to `[lowerBound, upperBound)`.
///
/// It shows, for each user key, the newest value at or below its snapshot, and hides deleted
/// keys. It keeps everything it reads (memtables, SSTables) alive until it is dropped, so a
/// long-lived iterator pins memory and files: drop it when done.
///
/// ```swift
/// var iterator = store.makeIterator()
/// iterator.seekToFirst()
/// while iterator.isValid { use(iterator.key, iterator.value); iterator.next() }
/// try iterator.checkError()
/// ```
///
/// An iterator is not copyable: its children are cursors with state of their own, so a copy
/// would move whenever the original moved. Pass it `borrowing` (or `inout` to move it).
///
/// Thread safety: an iterator is used by one thread at a time.
public struct StoreIterator: ~Copyable {
    private var merged: MergingIterator
    private let view: ReadView
    private let snapshot: ReadSnapshot?
    private let sequence: SequenceNumber
    private let lowerBound: [UInt8]?
    private let upperBound: [UInt8]?

    private var isForward = true
    private var valid = false
    /// Backward: the current entry, copied out (the merged iterator sits before it).
    /// Forward, during skipping: the user key being skipped.
    private var savedKey: [UInt8] = []
    private var savedValue: [UInt8] = []
    /// An entry whose internal key did not decode: iteration stopped there (never skipped, which
    /// would silently hide a key or resurrect an older version of it).
    private var malformedEntry: TernError?

    init(view: ReadView, children: [ChildIterator], sequence: SequenceNumber, snapshot: ReadSnapshot?,
         lowerBound: [UInt8]?, upperBound: [UInt8]?) {
        self.view = view
        self.merged = MergingIterator(children: children)
        self.sequence = sequence
        self.snapshot = snapshot
        self.lowerBound = lowerBound
        self.upperBound = upperBound
    }

    /// Whether the iterator is at an entry.
    public var isValid: Bool { valid }

    /// The current user key. REQUIRES: `isValid`.
    public var key: [UInt8] { withKey { Array($0) } }

    /// The current value. REQUIRES: `isValid`.
    public var value: [UInt8] { withValue { Array($0) } }

    /// Calls `body` with the current key without copying it. REQUIRES: `isValid`.
    public func withKey<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(valid, "key of an invalid iterator")
        if isForward { return try body(InternalKey.userKey(merged.key)) }
        return try savedKey.withUnsafeBytes(body)
    }

    /// Calls `body` with the current value without copying it. REQUIRES: `isValid`.
    public func withValue<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(valid, "value of an invalid iterator")
        if isForward { return try body(merged.value) }
        return try savedValue.withUnsafeBytes(body)
    }

    /// Throws the error that ended iteration early (a corrupt block), if any. Check it after a
    /// loop: an iterator that stops on corruption looks like one that reached the end.
    public func checkError() throws {
        if let error = merged.error ?? malformedEntry { throw error }
    }

    /// Stops iteration at an entry whose internal key is malformed, recording the error.
    private mutating func stopAtMalformedEntry() {
        malformedEntry = TernError.corruption(
            "an entry's internal key is malformed (\(merged.key.count) bytes, trailer does not decode)",
            file: merged.currentSourceName, offset: nil)
        valid = false
        savedKey.removeAll(keepingCapacity: true)
        savedValue.removeAll(keepingCapacity: true)
    }

    // MARK: Positioning

    /// Moves to the first key (at or after `lowerBound`).
    public mutating func seekToFirst() {
        if let lowerBound { seek(lowerBound); return }
        isForward = true
        merged.seekToFirst()
        findNextUserEntry(skipping: false)
    }

    /// Moves to the last key (before `upperBound`).
    public mutating func seekToLast() {
        if let upperBound {
            // The first internal key of `upperBound`: everything before it is below the bound.
            let target = InternalKey.encode(upperBound, .max, .forSeek)
            target.withUnsafeBytes { merged.seekBefore($0) }
        } else {
            merged.seekToLast()
        }
        isForward = false
        findPrevUserEntry()
    }

    /// Moves to the first key >= `target`.
    public mutating func seek(_ target: [UInt8]) {
        var start = target
        if let lowerBound, compareBytes(start, lowerBound) < 0 { start = lowerBound }
        isForward = true
        let internalTarget = InternalKey.encode(start, sequence, .forSeek)
        internalTarget.withUnsafeBytes { merged.seek($0) }
        findNextUserEntry(skipping: false)
    }

    /// Moves to the last key <= `target`.
    public mutating func seekForPrev(_ target: [UInt8]) {
        if let upperBound, compareBytes(target, upperBound) >= 0 {
            seekToLast()
            return
        }
        // The first internal key of the next user key (`target` + 0x00, no user key lies
        // between): the last entry before it is the last entry of a user key <= `target`.
        let internalTarget = InternalKey.encode(target + [0], .max, .forSeek)
        internalTarget.withUnsafeBytes { merged.seekBefore($0) }
        isForward = false
        findPrevUserEntry()
    }

    /// Moves to the next key. REQUIRES: `isValid`.
    public mutating func next() {
        precondition(valid, "next() on an invalid iterator")
        if !isForward {
            // The merged iterator sits just before the current key's entries: step into them.
            isForward = true
            if merged.isValid { merged.next() } else { merged.seekToFirst() }
            guard merged.isValid else {
                valid = false
                return
            }
        } else {
            save(InternalKey.userKey(merged.key))
            merged.next()
        }
        findNextUserEntry(skipping: true)
    }

    /// Moves to the previous key. REQUIRES: `isValid`.
    public mutating func prev() {
        precondition(valid, "prev() on an invalid iterator")
        if isForward {
            // Step back past every entry of the current key.
            save(InternalKey.userKey(merged.key))
            while true {
                merged.prev()
                guard merged.isValid else {
                    valid = false
                    savedKey.removeAll()
                    savedValue.removeAll()
                    return
                }
                let before = savedKey.withUnsafeBytes { compareBytes(InternalKey.userKey(merged.key), $0) < 0 }
                if before { break }
            }
            isForward = false
        }
        findPrevUserEntry()
    }

    // MARK: Visibility

    /// Copies `userKey` into `savedKey`, reusing its storage.
    private mutating func save(_ userKey: UnsafeRawBufferPointer) {
        savedKey.removeAll(keepingCapacity: true)
        savedKey.append(contentsOf: userKey)
    }

    /// Forward: settles on the first visible, live entry at or after the merged position,
    /// skipping entries of `savedKey` when `skipping`.
    private mutating func findNextUserEntry(skipping: Bool) {
        var skipping = skipping
        while merged.isValid {
            let internalKey = merged.key
            guard let (entrySequence, kind) = InternalKey.decodeTrailer(internalKey) else {
                stopAtMalformedEntry()
                return
            }
            if entrySequence <= sequence {
                let userKey = InternalKey.userKey(internalKey)
                if let upperBound, upperBound.withUnsafeBytes({ compareBytes(userKey, $0) >= 0 }) {
                    break
                }
                switch kind {
                case .deletion:
                    save(userKey)
                    skipping = true
                case .value:
                    let hidden = skipping && savedKey.withUnsafeBytes { compareBytes(userKey, $0) <= 0 }
                    if !hidden {
                        valid = true
                        savedKey.removeAll(keepingCapacity: true)
                        return
                    }
                }
            }
            merged.next()
        }
        valid = false
        savedKey.removeAll(keepingCapacity: true)
    }

    /// Backward: walks back over the entries of the previous user key, keeping the newest
    /// visible one, and stops before the key in front of it.
    private mutating func findPrevUserEntry() {
        var kind = ValueKind.deletion
        while merged.isValid {
            let internalKey = merged.key
            guard let (entrySequence, entryKind) = InternalKey.decodeTrailer(internalKey) else {
                stopAtMalformedEntry()
                return
            }
            if entrySequence <= sequence {
                let userKey = InternalKey.userKey(internalKey)
                if kind != .deletion && savedKey.withUnsafeBytes({ compareBytes(userKey, $0) < 0 }) {
                    break  // savedKey is complete: we reached an older user key
                }
                if let lowerBound, lowerBound.withUnsafeBytes({ compareBytes(userKey, $0) < 0 }) {
                    break
                }
                kind = entryKind
                if kind == .deletion {
                    savedKey.removeAll(keepingCapacity: true)
                    savedValue.removeAll(keepingCapacity: true)
                } else {
                    save(userKey)
                    savedValue.removeAll(keepingCapacity: true)
                    savedValue.append(contentsOf: merged.value)
                }
            }
            merged.prev()
        }
        if kind == .deletion {
            valid = false
            savedKey.removeAll(keepingCapacity: true)
            savedValue.removeAll(keepingCapacity: true)
            isForward = true  // nothing saved; next() from here is undefined anyway
        } else {
            valid = true
        }
    }
}

extension Store {
    /// A cursor over the keys in `[lowerBound, upperBound)` at `snapshot` (or now). Call one of
    /// the seek methods before reading.
    ///
    /// - Throws: `.closed` after `close()`; I/O errors opening level-0 tables.
    public func makeIterator(
        lowerBound: [UInt8]? = nil, upperBound: [UInt8]? = nil, snapshot: ReadSnapshot? = nil
    ) throws -> StoreIterator {
        try checkOpen()
        let view = captureView()  // before the sequence, as in `get`
        let sequence = snapshot?.sequence ?? readSequence
        var children: [ChildIterator] = [.memtable(MemtableCursor(view.memtable.makeIterator()))]
        if let immutable = view.immutable { children.append(.memtable(MemtableCursor(immutable.makeIterator()))) }
        for file in view.version.levels[0] {
            children.append(.table(SSTableCursor(try tableCache.table(file).makeIterator())))
        }
        for files in view.version.levels.dropFirst() where !files.isEmpty {
            children.append(.level(LevelCursor(files: files, tableCache: tableCache)))
        }
        return StoreIterator(
            view: view, children: children, sequence: sequence, snapshot: snapshot,
            lowerBound: lowerBound, upperBound: upperBound)
    }

    /// The live entries in `[lowerBound, upperBound)`, in key order (or reversed), at most
    /// `limit` of them. A convenience over `makeIterator` for small ranges.
    public func scan(
        lowerBound: [UInt8]? = nil, upperBound: [UInt8]? = nil, reverse: Bool = false,
        limit: Int = .max, snapshot: ReadSnapshot? = nil
    ) throws -> [(key: [UInt8], value: [UInt8])] {
        var iterator = try makeIterator(lowerBound: lowerBound, upperBound: upperBound, snapshot: snapshot)
        var result: [(key: [UInt8], value: [UInt8])] = []
        if reverse { iterator.seekToLast() } else { iterator.seekToFirst() }
        while iterator.isValid && result.count < limit {
            result.append((iterator.key, iterator.value))
            if reverse { iterator.prev() } else { iterator.next() }
        }
        try iterator.checkError()
        return result
    }
}
