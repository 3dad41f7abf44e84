/// A cursor over the entries of one `Block`, in internal-key order.
///
/// **Lifetime of `key` and `value`:** both are views, the key into a buffer the iterator reuses
/// for every entry, the value into the block. They are valid until the next call that moves or
/// resets the iterator (`seek*`, `next`, `prev`, `reset`), or until the iterator ends. Copy them
/// to keep them.
///
/// **Errors:** a malformed entry (varints running off the end, a key longer than the bytes
/// left, a shared prefix longer than the previous key, a key shorter than an internal-key
/// trailer) makes the iterator invalid and sets `status` to a `.corruption` error; it stays
/// invalid until `reset`. No input makes it trap or read outside the block.
///
/// Hot path: no heap allocation once the key buffer is large enough for the longest key, no
/// reference counting (the block is retained once, at `reset`), no existentials.
///
/// `~Copyable` because it owns its key buffer (two copies would overwrite each other's key).
/// Thread safety: confined to one thread at a time; the block itself may be shared.
@_spi(Benchmarks) public struct BlockIterator: ~Copyable {
    private var block: Block
    private var base: UnsafeRawPointer
    private var restartsOffset: Int
    private var restartCount: Int

    /// Offset of the current entry; `restartsOffset` when the iterator is invalid.
    private var current: Int
    /// Offset just past the current entry: where `next` parses.
    private var nextEntryOffset: Int
    /// Index of the restart point of the region holding `current`.
    private var restartIndex: Int
    private var valueOffset = 0
    private var valueLength = 0

    private var keyBuffer: UnsafeMutableRawPointer
    private var keyCapacity: Int
    private var keyLength = 0
    private var ownsKeyBuffer: Bool

    /// The error that made the iterator invalid, if any.
    private(set) var status: TernError?
    /// `status != nil`, as a plain flag: seeks test it without copying the error.
    private(set) var corrupt = false

    static let initialKeyCapacity = 64

    /// An iterator over `block` with a key buffer of its own. Not positioned: call a seek.
    @_spi(Benchmarks) public init(block: Block) {
        self.block = block
        let layout = block.header
        self.base = block.base
        self.restartsOffset = layout.restartsOffset
        self.restartCount = layout.restartCount
        self.current = layout.restartsOffset
        self.nextEntryOffset = layout.restartsOffset
        self.restartIndex = layout.restartCount
        self.keyCapacity = BlockIterator.initialKeyCapacity
        self.keyBuffer = UnsafeMutableRawPointer.allocate(byteCount: BlockIterator.initialKeyCapacity, alignment: 8)
        self.ownsKeyBuffer = true
    }

    /// An iterator over `block` that assembles keys in `keyBuffer` (for example stack memory
    /// from `withUnsafeTemporaryAllocation`), moving to a heap buffer of its own only for a key
    /// that does not fit. REQUIRES: `keyBuffer` outlives the iterator and nothing else uses it
    /// meanwhile.
    init(block: Block, borrowing keyBuffer: UnsafeMutableRawBufferPointer) {
        precondition(keyBuffer.count > 0 && keyBuffer.baseAddress != nil)
        self.block = block
        let layout = block.header
        self.base = block.base
        self.restartsOffset = layout.restartsOffset
        self.restartCount = layout.restartCount
        self.current = layout.restartsOffset
        self.nextEntryOffset = layout.restartsOffset
        self.restartIndex = layout.restartCount
        self.keyCapacity = keyBuffer.count
        self.keyBuffer = keyBuffer.baseAddress!
        self.ownsKeyBuffer = false
    }

    deinit {
        if ownsKeyBuffer { keyBuffer.deallocate() }
    }

    /// Points the iterator at another block, keeping its key buffer. Clears `status`.
    mutating func reset(to block: Block) {
        let layout = block.header
        self.block = block
        base = block.base
        restartsOffset = layout.restartsOffset
        restartCount = layout.restartCount
        status = nil
        corrupt = false
        invalidate()
    }

    /// Whether the iterator is at an entry.
    @_spi(Benchmarks) public var isValid: Bool { current < restartsOffset }

    /// The current internal key. REQUIRES: `isValid`. Valid until the iterator moves.
    @_spi(Benchmarks) public var key: UnsafeRawBufferPointer {
        precondition(isValid, "key of an invalid block iterator")
        return UnsafeRawBufferPointer(start: keyBuffer, count: keyLength)
    }

    /// The current value. REQUIRES: `isValid`. Valid until the iterator moves.
    @_spi(Benchmarks) public var value: UnsafeRawBufferPointer {
        precondition(isValid, "value of an invalid block iterator")
        return UnsafeRawBufferPointer(start: base + valueOffset, count: valueLength)
    }

    /// Moves to the first entry (invalid when the block is empty).
    @_spi(Benchmarks) public mutating func seekToFirst() {
        guard !corrupt, restartCount > 0 else { return invalidate() }
        seekToRestartPoint(0)
        parseNextEntry()
    }

    /// Moves to the last entry (invalid when the block is empty).
    mutating func seekToLast() {
        guard !corrupt, restartCount > 0 else { return invalidate() }
        seekToRestartPoint(restartCount - 1)
        while parseNextEntry() && nextEntryOffset < restartsOffset {}
    }

    /// Moves to the first entry whose key is `>= target` in internal-key order (invalid when
    /// there is none). Binary search over the restart points, comparing their keys in place,
    /// then a linear scan of at most one restart interval.
    /// REQUIRES: `target` is an internal key (at least 8 bytes).
    @_spi(Benchmarks) public mutating func seek(_ target: UnsafeRawBufferPointer) {
        precondition(target.count >= InternalKey.trailerSize, "seek target must be an internal key")
        guard !corrupt, restartCount > 0 else { return invalidate() }
        // Invariant: every restart point left of `left` has a key < target; right of `right`, >= target.
        var left = 0
        var right = restartCount - 1
        while left < right {
            let middle = (left + right + 1) / 2
            guard let restartKey = keyAtRestartPoint(middle) else { return }
            if InternalKey.compare(restartKey, target) < 0 {
                left = middle
            } else {
                right = middle - 1
            }
        }
        seekToRestartPoint(left)
        while parseNextEntry() {
            if InternalKey.compare(key, target) >= 0 { return }
        }
    }

    /// Moves to the next entry. REQUIRES: `isValid`.
    @_spi(Benchmarks) public mutating func next() {
        precondition(isValid, "next on an invalid block iterator")
        parseNextEntry()
    }

    /// Moves to the previous entry (invalid before the first). REQUIRES: `isValid`.
    /// Scans forward from the restart point before the current entry: O(restart interval).
    mutating func prev() {
        precondition(isValid, "prev on an invalid block iterator")
        let original = current
        while restartPoint(restartIndex) >= original {
            if restartIndex == 0 { return invalidate() }
            restartIndex -= 1
        }
        seekToRestartPoint(restartIndex)
        while parseNextEntry() && nextEntryOffset < original {}
        if isValid && nextEntryOffset != original {
            markCorrupt("block entries do not line up with restart point \(restartIndex)", at: current)
        }
    }

    // MARK: Parsing

    private mutating func invalidate() {
        current = restartsOffset
        nextEntryOffset = restartsOffset
        restartIndex = restartCount
        keyLength = 0
    }

    private mutating func markCorrupt(_ message: String, at offset: Int) {
        status = TernError.corruption("\(message) (block offset \(offset))", file: nil, offset: nil)
        corrupt = true
        invalidate()
    }

    @inline(__always)
    private func restartPoint(_ index: Int) -> Int {
        Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: restartsOffset + 4 * index, as: UInt32.self)))
    }

    private mutating func seekToRestartPoint(_ index: Int) {
        restartIndex = index
        keyLength = 0
        nextEntryOffset = restartPoint(index)
        current = restartsOffset
    }

    /// Decodes the entry header at `offset`: (shared, unshared, valueLength, offset of the key
    /// delta), or `nil` when it is malformed. Checks that the key delta and value fit before the
    /// restart array.
    @inline(__always)
    private func decodeEntryHeader(at offset: Int) -> (shared: Int, unshared: Int, valueLength: Int, keyDelta: Int)? {
        let limit = restartsOffset
        var shared: Int
        var unshared: Int
        var valueLength: Int
        var position = offset
        if offset + 3 <= limit {
            let byte0 = base.load(fromByteOffset: offset, as: UInt8.self)
            let byte1 = base.load(fromByteOffset: offset + 1, as: UInt8.self)
            let byte2 = base.load(fromByteOffset: offset + 2, as: UInt8.self)
            if (byte0 | byte1 | byte2) < 0x80 {
                // Fast path: all three lengths are single-byte varints.
                shared = Int(byte0)
                unshared = Int(byte1)
                valueLength = Int(byte2)
                position = offset + 3
                return fits(shared, unshared, valueLength, position)
            }
        }
        let entries = UnsafeRawBufferPointer(start: base, count: limit)
        guard let a = entries.varint(at: position), a.value <= UInt64(UInt32.max) else { return nil }
        guard let b = entries.varint(at: a.next), b.value <= UInt64(UInt32.max) else { return nil }
        guard let c = entries.varint(at: b.next), c.value <= UInt64(UInt32.max) else { return nil }
        shared = Int(a.value)
        unshared = Int(b.value)
        valueLength = Int(c.value)
        position = c.next
        return fits(shared, unshared, valueLength, position)
    }

    @inline(__always)
    private func fits(
        _ shared: Int, _ unshared: Int, _ valueLength: Int, _ keyDelta: Int
    ) -> (shared: Int, unshared: Int, valueLength: Int, keyDelta: Int)? {
        let room = restartsOffset - keyDelta
        guard unshared <= room, valueLength <= room - unshared else { return nil }
        return (shared, unshared, valueLength, keyDelta)
    }

    /// The key stored at restart point `index`, read in place (a restart entry shares nothing).
    /// `nil` after marking the iterator corrupt when the entry is malformed.
    private mutating func keyAtRestartPoint(_ index: Int) -> UnsafeRawBufferPointer? {
        let offset = restartPoint(index)
        guard let header = decodeEntryHeader(at: offset), header.shared == 0,
              header.unshared >= InternalKey.trailerSize
        else {
            markCorrupt("malformed entry at restart point \(index)", at: offset)
            return nil
        }
        return UnsafeRawBufferPointer(start: base + header.keyDelta, count: header.unshared)
    }

    /// Parses the entry at `nextEntryOffset` into the current position. Returns whether the
    /// iterator is valid afterwards (false at the end of the entries or on corruption).
    @discardableResult
    private mutating func parseNextEntry() -> Bool {
        let offset = nextEntryOffset
        guard offset < restartsOffset else {
            invalidate()
            return false
        }
        guard let header = decodeEntryHeader(at: offset), header.shared <= keyLength else {
            markCorrupt("malformed block entry", at: offset)
            return false
        }
        let newKeyLength = header.shared + header.unshared
        guard newKeyLength >= InternalKey.trailerSize else {
            markCorrupt("block entry key of \(newKeyLength) bytes is shorter than an internal key", at: offset)
            return false
        }
        if newKeyLength > keyCapacity { growKeyBuffer(to: newKeyLength) }
        if header.unshared > 0 {
            (keyBuffer + header.shared).copyMemory(from: base + header.keyDelta, byteCount: header.unshared)
        }
        keyLength = newKeyLength
        current = offset
        valueOffset = header.keyDelta + header.unshared
        valueLength = header.valueLength
        nextEntryOffset = valueOffset + valueLength
        while restartIndex + 1 < restartCount && restartPoint(restartIndex + 1) <= current {
            restartIndex += 1
        }
        return true
    }

    private mutating func growKeyBuffer(to needed: Int) {
        let capacity = max(needed, keyCapacity * 2)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        grown.copyMemory(from: keyBuffer, byteCount: keyLength)
        if ownsKeyBuffer { keyBuffer.deallocate() }
        keyBuffer = grown
        keyCapacity = capacity
        ownsKeyBuffer = true
    }
}
