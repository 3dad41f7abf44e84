/// A cursor over every entry of an `SSTable` (all versions, internal-key order): a two-level
/// iterator, an index-block cursor choosing the data block and a data-block cursor within it.
///
/// **Lifetime of `key` and `value`:** views valid until the iterator next moves (`seek*`,
/// `next`, `prev`) or ends. Copy them to keep them.
///
/// **Errors** (a corrupt block, a failed read) make the iterator invalid and set `error`
/// (a `TernError` naming the file and the block offset). Errors are sticky: once set, every
/// move is a no-op and `isValid` stays false. A caller ending a scan on `!isValid` must check
/// `error` to tell the end of the table from a failure.
///
/// Hot path: `next`/`prev` within a block do no heap allocation; crossing into another block
/// reads it through `SSTable.readBlock` (one allocation per block, until a block cache exists).
///
/// `~Copyable` (it owns its cursors' key buffers); a layer that needs to store iterators in a
/// collection can box one in a final class.
/// Thread safety: one thread at a time per iterator; many iterators may share one table.
package struct SSTableIterator: ~Copyable {
    /// The table iterated (kept alive by the iterator).
    package let table: SSTable
    private var indexIterator: BlockIterator
    private var dataIterator: BlockIterator
    /// The handle of the block in `dataIterator`, `nil` when none is loaded.
    private var dataHandle: BlockHandle?
    /// The error that stopped the iterator, if any.
    package private(set) var error: TernError? {
        didSet { failed = error != nil }
    }
    /// `error != nil`, as a plain flag: the hot path tests it without copying the error.
    private var failed = false
    /// Where stored blocks are read before decoding, reused across blocks (grown on demand),
    /// so crossing into a block costs one allocation: the decoded block.
    private var readBuffer: UnsafeMutableRawBufferPointer

    /// Whether blocks this iterator reads are added to the table's block cache.
    let fillsCache: Bool

    init(table: SSTable, fillsCache: Bool = true) {
        self.table = table
        self.fillsCache = fillsCache
        self.indexIterator = BlockIterator(block: table.index.block)
        self.dataIterator = BlockIterator(block: emptyBlock.block)
        // Allocated at the first block read that misses the cache: an iterator used for one
        // seek over cached blocks (seekrandom) never pays for it.
        self.readBuffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }

    deinit {
        if readBuffer.baseAddress != nil { readBuffer.deallocate() }
    }

    static let initialReadBufferBytes = 8 * 1024
    /// Blocks larger than this (one huge value) are read without the buffer rather than keep a
    /// large buffer alive for the iterator's lifetime.
    static let maximumReadBufferBytes = 1024 * 1024

    /// Whether the iterator is at an entry.
    package var isValid: Bool { !failed && dataIterator.isValid }

    /// The current internal key. REQUIRES: `isValid`.
    package var key: UnsafeRawBufferPointer { dataIterator.key }

    /// The current value. REQUIRES: `isValid`.
    package var value: UnsafeRawBufferPointer { dataIterator.value }

    /// Moves to the first entry (invalid for an empty table).
    package mutating func seekToFirst() {
        guard !failed else { return }
        indexIterator.seekToFirst()
        if loadDataBlock() { dataIterator.seekToFirst() }
        skipEmptyBlocksForward()
    }

    /// Moves to the last entry (invalid for an empty table).
    package mutating func seekToLast() {
        guard !failed else { return }
        indexIterator.seekToLast()
        if loadDataBlock() { dataIterator.seekToLast() }
        skipEmptyBlocksBackward()
    }

    /// Moves to the first entry whose key is `>= target` in internal-key order (invalid when none
    /// is). REQUIRES: `target` is an internal key (at least 8 bytes).
    package mutating func seek(_ target: UnsafeRawBufferPointer) {
        guard !failed else { return }
        indexIterator.seek(target)
        if loadDataBlock() { dataIterator.seek(target) }
        skipEmptyBlocksForward()
    }

    /// `seek` with a byte-array target.
    package mutating func seek(_ target: [UInt8]) {
        target.withUnsafeBytes { seek($0) }
    }

    /// Moves to the next entry. REQUIRES: `isValid`.
    package mutating func next() {
        precondition(isValid, "next on an invalid SSTable iterator")
        dataIterator.next()
        skipEmptyBlocksForward()
    }

    /// Moves to the previous entry (invalid before the first). REQUIRES: `isValid`.
    package mutating func prev() {
        precondition(isValid, "prev on an invalid SSTable iterator")
        dataIterator.prev()
        skipEmptyBlocksBackward()
    }

    // MARK: Block switching

    /// After a move that left the data cursor past the end of its block, walks the index forward
    /// to the next block with an entry.
    private mutating func skipEmptyBlocksForward() {
        while !failed && !dataIterator.isValid {
            if !takeDataIteratorError() { return }
            guard indexIterator.isValid else { return }
            indexIterator.next()
            if loadDataBlock() { dataIterator.seekToFirst() }
        }
    }

    /// Mirror of `skipEmptyBlocksForward`.
    private mutating func skipEmptyBlocksBackward() {
        while !failed && !dataIterator.isValid {
            if !takeDataIteratorError() { return }
            guard indexIterator.isValid else { return }
            indexIterator.prev()
            if loadDataBlock() { dataIterator.seekToLast() }
        }
    }

    /// Moves a data-cursor error into `error`; returns whether there was none.
    private mutating func takeDataIteratorError() -> Bool {
        guard dataIterator.corrupt, let status = dataIterator.status else { return true }
        error = status.naming(file: table.path, offset: dataHandle?.offset)
        return false
    }

    /// Loads the block the index cursor points at into the data cursor. Returns `false` (with
    /// the data cursor invalid) when the index cursor is past either end or on failure.
    private mutating func loadDataBlock() -> Bool {
        guard indexIterator.isValid else {
            if indexIterator.corrupt, let status = indexIterator.status {
                error = status.naming(file: table.path, offset: table.indexHandle.offset)
            }
            dataIterator.reset(to: emptyBlock.block)
            dataHandle = nil
            return false
        }
        guard let handle = BlockHandle.decode(exactly: indexIterator.value) else {
            error = TernError.corruption("malformed block handle in the index", file: table.path, offset: table.indexHandle.offset)
            return false
        }
        if handle == dataHandle {
            // Same block (a seek that stays inside it): keep it, the caller repositions.
            return true
        }
        // `handle.size` is from the file and not yet checked against it: compare before adding.
        if handle.size <= SSTableIterator.maximumReadBufferBytes
            && handle.size + SSTableFormat.blockTrailerSize > readBuffer.count
        {
            let capacity = max(
                handle.size + SSTableFormat.blockTrailerSize, 2 * readBuffer.count, SSTableIterator.initialReadBufferBytes)
            if readBuffer.baseAddress != nil { readBuffer.deallocate() }
            readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        }
        do {
            // A block too large for the buffer (or a corrupt size) is read without it.
            dataIterator.reset(to: try table.readBlock(handle, readBuffer: readBuffer, fillsCache: fillsCache))
            dataHandle = handle
            return true
        } catch let failure as TernError {
            error = failure.naming(file: table.path, offset: handle.offset)
        } catch {
            self.error = TernError(.ioError, "\(error)", file: table.path, offset: handle.offset)
        }
        dataIterator.reset(to: emptyBlock.block)
        dataHandle = nil
        return false
    }
}
