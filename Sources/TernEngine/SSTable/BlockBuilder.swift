/// Builds one block: prefix-compressed entries with a restart point every `restartInterval`
/// entries, then the restart array and its count (grammar in `Block`).
///
/// Reused across blocks (`reset` keeps the buffers' capacity), so a table build allocates its
/// block buffers once.
@_spi(Benchmarks) public struct BlockBuilder {
    let restartInterval: Int
    /// The encoded block: entries so far, plus the restart array after `finish`.
    @_spi(Benchmarks) public private(set) var contents: [UInt8] = []
    private var restarts: [UInt32] = []
    private var lastKey: [UInt8] = []
    private(set) var entryCount = 0
    private var isFinished = false

    @_spi(Benchmarks) public init(restartInterval: Int) {
        precondition(restartInterval >= 1, "restart interval must be at least 1")
        self.restartInterval = restartInterval
    }

    var isEmpty: Bool { entryCount == 0 }

    /// The size of the block if it were finished now (exact; after `finish`, its size).
    var estimatedSizeBytes: Int { isFinished ? contents.count : contents.count + 4 * restarts.count + 4 }

    /// Appends an entry. REQUIRES: not finished; `key` is an internal key greater than every key
    /// added since the last `reset` (the table builder checks this; here it is only asserted).
    @_spi(Benchmarks) public mutating func add(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        precondition(!isFinished, "add to a finished block")
        precondition(key.count >= InternalKey.trailerSize, "block keys are internal keys")
        assert(entryCount == 0 || lastKey.withUnsafeBytes { InternalKey.compare($0, key) } < 0, "keys out of order")
        var shared = 0
        if entryCount % restartInterval == 0 {
            restarts.append(UInt32(contents.count))
        } else {
            shared = lastKey.withUnsafeBytes { commonPrefixLength($0, key) }
        }
        let unsharedKey = UnsafeRawBufferPointer(rebasing: key[shared...])
        contents.appendVarint(shared)
        contents.appendVarint(unsharedKey.count)
        contents.appendVarint(value.count)
        contents.append(contentsOf: unsharedKey)
        contents.append(contentsOf: value)
        precondition(contents.count < Int(UInt32.max) - 4 * restarts.count - 4, "block exceeds 4 GiB")
        lastKey.removeLast(lastKey.count - shared)
        lastKey.append(contentsOf: unsharedKey)
        entryCount += 1
    }

    /// Appends the restart array; `contents` is then the whole block.
    @_spi(Benchmarks) public mutating func finish() {
        precondition(!isFinished, "block finished twice")
        for restart in restarts { contents.appendFixed32(restart) }
        contents.appendFixed32(UInt32(restarts.count))
        isFinished = true
    }

    /// Empties the builder for the next block, keeping buffer capacity.
    @_spi(Benchmarks) public mutating func reset() {
        contents.removeAll(keepingCapacity: true)
        restarts.removeAll(keepingCapacity: true)
        lastKey.removeAll(keepingCapacity: true)
        entryCount = 0
        isFinished = false
    }
}

/// The number of leading bytes `a` and `b` share.
@inline(__always)
func commonPrefixLength(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let limit = min(a.count, b.count)
    var index = 0
    // Eight bytes at a time, then byte by byte.
    while index + 8 <= limit
        && a.loadUnaligned(fromByteOffset: index, as: UInt64.self) == b.loadUnaligned(fromByteOffset: index, as: UInt64.self)
    {
        index += 8
    }
    while index < limit && a[index] == b[index] { index += 1 }
    return index
}
