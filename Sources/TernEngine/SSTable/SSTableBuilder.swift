/// How data blocks are compressed.
public enum SSTableCompression: Sendable {
    /// Every block stored raw.
    case none
    /// LZ4 per block, stored raw when LZ4 saves less than 1/8 of the block.
    case lz4
}

/// Options of an SSTable build. The reader needs none of them: everything it needs is in the file.
package struct SSTableOptions: Sendable, Equatable {
    /// A data block is cut as soon as its encoded size reaches this (before compression).
    package var blockSizeBytes: Int
    /// Entries between restart points in data blocks.
    package var restartInterval: Int
    /// Per-block compression of data and index blocks (the filter is always stored raw).
    package var compression: SSTableCompression
    /// Bloom filter bits per distinct user key; 0 writes no filter.
    package var bloomBitsPerKey: Int

    package init(
        blockSizeBytes: Int = 4096, restartInterval: Int = 16,
        compression: SSTableCompression = .lz4, bloomBitsPerKey: Int = 10
    ) {
        precondition(blockSizeBytes >= 1 && restartInterval >= 1 && bloomBitsPerKey >= 0)
        self.blockSizeBytes = blockSizeBytes
        self.restartInterval = restartInterval
        self.compression = compression
        self.bloomBitsPerKey = bloomBitsPerKey
    }
}

/// What a finished build produced (for the manifest and for compaction decisions).
package struct SSTableProperties: Sendable, Equatable {
    /// Bytes written to the file.
    package var fileSizeBytes: Int
    /// Entries (internal keys) in the table.
    package var entryCount: Int
    /// Data blocks written (the index has one entry per data block).
    package var dataBlockCount: Int
    /// The first and last internal keys; `nil` for an empty table.
    package var smallestKey: [UInt8]?
    package var largestKey: [UInt8]?
    /// Stored sizes (payload, without trailer) of the filter (0 without one) and index blocks.
    package var filterBlockSizeBytes: Int
    package var indexBlockSizeBytes: Int
}

/// Writes one SSTable: entries in increasing internal-key order, then `finish()`.
///
/// `~Copyable` with a consuming `finish()`/`abandon()`: a builder is used once, and the
/// compiler rejects an `add` after `finish`.
///
/// Writes are buffered (64 KiB, `BlockWriter`) so a 4 KiB block costs a memcpy, not a syscall. A failed write
/// is sticky: every later call rethrows it, and the caller should `abandon()` and remove the
/// file. `finish` does not sync or close the file: durability is the caller's decision.
///
/// Thread safety: confined to one thread.
package struct SSTableBuilder: ~Copyable {
    private let path: String
    private let options: SSTableOptions
    private var writer: BlockWriter
    private var dataBlock: BlockBuilder
    private var indexBlock: BlockBuilder
    private var filterHashes: [UInt32] = []
    private var lastKey: [UInt8] = []
    private var smallestKey: [UInt8]?
    /// The handle of the last data block written, whose index entry waits for the next key
    /// (to choose a short separator).
    private var pendingIndexHandle: BlockHandle?
    /// Entries added so far.
    package private(set) var entryCount = 0
    private var dataBlockCount = 0

    /// Starts a table written to `file` (at its current end, normally an empty new file).
    /// `path` names the file in errors.
    package init(file: any WritableFile, path: String, options: SSTableOptions = SSTableOptions()) {
        self.path = path
        self.options = options
        self.writer = BlockWriter(file: file, compression: options.compression, blockSizeBytes: options.blockSizeBytes)
        self.dataBlock = BlockBuilder(restartInterval: options.restartInterval)
        self.indexBlock = BlockBuilder(restartInterval: SSTableFormat.indexRestartInterval)
    }

    /// The file size if the table were finished now, roughly (for cutting compaction outputs).
    package var estimatedFileSizeBytes: Int {
        writer.offset + dataBlock.estimatedSizeBytes + indexBlock.estimatedSizeBytes
            + filterHashes.count * options.bloomBitsPerKey / 8 + Footer.size
    }

    /// Adds an entry. REQUIRES (traps otherwise): `internalKey` is a well-formed internal key,
    /// strictly greater than the previous one in internal-key order.
    /// Throws the file's write error (sticky).
    package mutating func add(_ internalKey: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws {
        if let failure = writer.failure { throw failure }
        precondition(InternalKey.decodeTrailer(internalKey) != nil, "not a well-formed internal key")
        if entryCount > 0 {
            precondition(
                lastKey.withUnsafeBytes { InternalKey.compare($0, internalKey) } < 0,
                "SSTable keys must be added in strictly increasing internal-key order")
        }
        if let handle = pendingIndexHandle {
            let separator = lastKey.withUnsafeBytes { IndexKeys.separator($0, internalKey) }
            addIndexEntry(separator, handle)
            pendingIndexHandle = nil
        }
        let userKey = InternalKey.userKey(internalKey)
        if options.bloomBitsPerKey > 0 {
            // Versions of one user key are adjacent: hash each user key once.
            let isNewUserKey = entryCount == 0 || lastKey.withUnsafeBytes { compareBytes(InternalKey.userKey($0), userKey) != 0 }
            if isNewUserKey { filterHashes.append(BloomHash.hash(userKey)) }
        }
        if entryCount == 0 { smallestKey = Array(internalKey) }
        lastKey.removeAll(keepingCapacity: true)
        lastKey.append(contentsOf: internalKey)
        dataBlock.add(key: internalKey, value: value)
        entryCount += 1
        if dataBlock.estimatedSizeBytes >= options.blockSizeBytes {
            try flushDataBlock()
        }
    }

    /// Adds an entry from arrays (tests, tools).
    package mutating func add(_ internalKey: [UInt8], _ value: [UInt8]) throws {
        try internalKey.withUnsafeBytes { key in
            try value.withUnsafeBytes { value in try add(key, value) }
        }
    }

    /// Writes the last data block, the filter, the index and the footer. Does not sync or close.
    package consuming func finish() throws -> SSTableProperties {
        if let failure = writer.failure { throw failure }
        if !dataBlock.isEmpty { try flushDataBlock() }
        if let handle = pendingIndexHandle {
            let successor = lastKey.withUnsafeBytes { IndexKeys.successor($0) }
            addIndexEntry(successor, handle)
            pendingIndexHandle = nil
        }
        var filterHandle = BlockHandle.absent
        if options.bloomBitsPerKey > 0 {
            let filter = BloomFilter.encode(hashes: filterHashes, bitsPerKey: options.bloomBitsPerKey)
            // Filter bits are random: compressing them would only cost time.
            filterHandle = try filter.withUnsafeBytes { try writer.writeBlock($0, compressible: false) }
        }
        indexBlock.finish()
        let indexHandle = try indexBlock.contents.withUnsafeBytes { try writer.writeBlock($0, compressible: true) }
        try writer.writeRaw(Footer(filterHandle: filterHandle, indexHandle: indexHandle).encode())
        try writer.flush()
        return SSTableProperties(
            fileSizeBytes: writer.offset, entryCount: entryCount, dataBlockCount: dataBlockCount,
            smallestKey: smallestKey, largestKey: entryCount > 0 ? lastKey : nil,
            filterBlockSizeBytes: filterHandle.size, indexBlockSizeBytes: indexHandle.size)
    }

    /// Ends the build without finishing the file (after an error, or when the output is not
    /// wanted). The caller removes the file.
    package consuming func abandon() {}

    // MARK: Writing

    private mutating func addIndexEntry(_ key: [UInt8], _ handle: BlockHandle) {
        let value = handle.encoded
        key.withUnsafeBytes { key in
            value.withUnsafeBytes { value in indexBlock.add(key: key, value: value) }
        }
    }

    private mutating func flushDataBlock() throws {
        dataBlock.finish()
        // Disjoint stored properties: the block is borrowed in place while the writer appends.
        let handle = try dataBlock.contents.withUnsafeBytes { try writer.writeBlock($0, compressible: true) }
        dataBlock.reset()
        pendingIndexHandle = handle
        dataBlockCount += 1
    }
}

/// The output side of an SSTable build: a 64 KiB write buffer in front of the file, and the
/// block encoding (optional LZ4, trailer with type and masked CRC32C).
struct BlockWriter: ~Copyable {
    private let file: any WritableFile
    private let compression: SSTableCompression
    private var output: [UInt8] = []
    private var compressionScratch: [UInt8] = []
    private(set) var flushedByteCount = 0
    /// The first write error; every later write rethrows it.
    private(set) var failure: (any Error)?

    static let bufferBytes = 64 * 1024

    init(file: any WritableFile, compression: SSTableCompression, blockSizeBytes: Int) {
        self.file = file
        self.compression = compression
        output.reserveCapacity(BlockWriter.bufferBytes + blockSizeBytes + 64)
    }

    /// Bytes written so far, buffered or not: the offset of the next block.
    var offset: Int { flushedByteCount + output.count }

    /// Appends a block (payload and trailer); returns its handle.
    mutating func writeBlock(_ contents: UnsafeRawBufferPointer, compressible: Bool) throws -> BlockHandle {
        if let failure { throw failure }
        let handle: BlockHandle
        let type: BlockType
        if compressible && compression == .lz4, let compressedSize = compressIntoScratch(contents) {
            handle = BlockHandle(offset: offset, size: compressedSize)
            type = .lz4
            compressionScratch.withUnsafeBytes { scratch in
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<compressedSize]))
            }
        } else {
            handle = BlockHandle(offset: offset, size: contents.count)
            type = .raw
            output.append(contentsOf: contents)
        }
        output.append(type.rawValue)
        // The checksum covers the payload and the type byte, which are now contiguous.
        let checksum = output.withUnsafeBytes { bytes in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - handle.size - 1)...]))
        }
        output.appendFixed32(CRC32C.mask(checksum))
        if output.count >= BlockWriter.bufferBytes { try flush() }
        return handle
    }

    /// Appends bytes that are not a block (the footer).
    mutating func writeRaw(_ bytes: [UInt8]) throws {
        if let failure { throw failure }
        output.append(contentsOf: bytes)
    }

    /// Hands every buffered byte to the file.
    mutating func flush() throws {
        if let failure { throw failure }
        guard !output.isEmpty else { return }
        do {
            try output.withUnsafeBytes { try file.append($0) }
        } catch {
            failure = error
            throw error
        }
        flushedByteCount += output.count
        output.removeAll(keepingCapacity: true)
    }

    /// LZ4-compresses `contents` into `compressionScratch` as `varint64 length ++ LZ4 block`.
    /// Returns the payload size, or `nil` when the block should be stored raw (LZ4 failed, the
    /// block is too large for liblz4, or LZ4 saves less than 1/8).
    private mutating func compressIntoScratch(_ contents: UnsafeRawBufferPointer) -> Int? {
        guard contents.count > 0, contents.count <= lz4MaximumInputBytes else { return nil }
        let prefixLength = varintLength(UInt64(contents.count))
        let bound = prefixLength + LZ4.compressBound(contents.count)
        if compressionScratch.count < bound {
            compressionScratch = [UInt8](repeating: 0, count: bound)
        }
        let compressed: Int? = compressionScratch.withUnsafeMutableBytes { scratch in
            var value = UInt64(contents.count)
            var position = 0
            while value >= 0x80 {
                scratch[position] = UInt8(truncatingIfNeeded: value) | 0x80
                value >>= 7
                position += 1
            }
            scratch[position] = UInt8(value)
            return LZ4.compress(contents, into: UnsafeMutableRawBufferPointer(rebasing: scratch[prefixLength..<bound]))
        }
        guard let compressed else { return nil }
        let payloadSize = prefixLength + compressed
        let limit = contents.count - contents.count / SSTableFormat.compressionMinimumSavingDivisor
        return payloadSize < limit ? payloadSize : nil
    }
}

/// liblz4's `LZ4_MAX_INPUT_SIZE`: larger blocks are stored raw.
let lz4MaximumInputBytes = 0x7E00_0000
