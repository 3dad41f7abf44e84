import Synchronization

// Back of the envelope (4 KiB blocks, 16-byte user keys, 100-byte values: ~37 entries a block;
// 1 M entries = 27 K data blocks, 61 MiB with LZ4 on half-compressible values; no block cache
// yet). Measured on this 2-core VM (release, page cache warm, load average ~4, so +-30%):
//
// open:  3 preads (footer 56 B; filter 1.25 B/key = 1.2 MiB; index ~30 B/block = 0.8 MiB),
//        both kept in memory (~2 MiB per 1 M keys).
// get, key absent: 1 MurmurHash3 of the user key and k = 7 bit probes (a miss usually stops
//        at the first or second 0 bit). 0 syscalls, 0 allocations; ~0.2 µs measured. ~1% of
//        absent keys pass the filter and cost what a present key costs.
// get, key present: the filter; a binary search of the in-memory index (log2 27 K = 15
//        compares, in place: interval-1 restarts need no key assembly); 1 pread of one stored
//        block (~2.3 KiB LZ4 or 4 KiB raw, + 5 B trailer; ~1.5 µs for 4 KiB here), CRC32C
//        (~0.45 µs at 9 GB/s), LZ4 decompress (~1.3 µs at 3 GB/s); a search of ~3 restart keys and
//        <= 16 entries. 1 syscall; 1 allocation (raw block) or 2 (LZ4: stored + decoded).
//        ~4.6 µs measured (LZ4): ~200 K gets/s/core, syscall + checksum + decompression bound,
//        which a block cache removes. `.found` copies the value (one more allocation);
//        `withLookup` hands it out in place instead.
// scan:  per entry 3 varints, a memcpy of the unshared key bytes, no allocation; per block
//        1 pread + CRC + LZ4 + 1 allocation (the iterator reuses its read buffer), amortized
//        over ~37 entries. ~100-200 ns/entry measured, of which ~100 is the per-block cost.

/// An open, immutable SSTable file: point lookups and iterators (`SSTableIterator`).
///
/// `open` reads and verifies the footer, the index block and the filter block and keeps them in
/// memory; data blocks are read on demand, each through `readBlock(_:)` (the single place a
/// block cache will hook in), and every stored block's checksum is verified before any byte of
/// it is parsed. Corruption is reported as `.corruption` naming the file and offset, never
/// served as data; a file from a newer format version is refused with `.unsupportedFormat`.
///
/// Thread safety: immutable after `open` (its counters are atomics), so `Sendable`; any number
/// of threads may call `get` and run their own iterators on one table at once.
package final class SSTable: Sendable {
    /// A point-lookup result whose value is a view into the data block, valid only inside the
    /// `withLookup` closure.
    package enum LookupView {
        /// The newest visible record holds this value (a view into the block).
        case found(UnsafeRawBufferPointer)
        /// The newest visible record is a tombstone.
        case deleted
        /// No record of the key is visible in this table.
        case notFound
    }

    /// Counters of the read path, for tests and metrics (relaxed atomics: totals, not ordering).
    package struct Statistics: Sendable, Equatable {
        /// Lookups that consulted the Bloom filter.
        package var filterChecks: Int
        /// Lookups the filter answered "absent" without reading a data block.
        package var filterSkips: Int
        /// Data blocks read from the file (by lookups and iterators).
        package var dataBlockReads: Int
    }

    /// The file's path, as named in errors.
    package let path: String
    let file: any ReadableFile
    /// Shared decoded blocks (nil: every data block is read from the file).
    let cache: BlockCache?
    /// This table's key space in `cache`.
    let cacheID: UInt64
    /// Whether the table closes `file` when it goes away (tables opened by the store's table
    /// cache do; tables opened over a caller's file leave it to the caller).
    let ownsFile: Bool
    /// Where the blocks end and the footer begins: no block may extend past it.
    let blocksEndOffset: Int
    let indexHandle: BlockHandle
    let index: SharedBlock
    let filter: BloomFilter?
    /// The file mapped into memory (`ReadableFile.mapIntoMemory`), when the table was opened to
    /// map it and the file system maps: blocks are then verified and decoded straight from the
    /// page cache, with no `pread` and no copy into a read buffer. Immutable; valid while the
    /// table lives (the file is closed, and unmapped, only in `deinit`).
    nonisolated(unsafe) let mapped: UnsafeRawBufferPointer?

    private let filterCheckCount = Atomic<Int>(0)
    private let filterSkipCount = Atomic<Int>(0)
    private let dataBlockReadCount = Atomic<Int>(0)

    /// Stack bytes a lookup reserves for assembling keys; longer keys fall back to the heap.
    static let lookupKeyScratchBytes = 512

    private init(
        file: any ReadableFile, path: String, footer: Footer, blocksEndOffset: Int, cache: BlockCache?, ownsFile: Bool,
        mapsFile: Bool
    ) throws {
        self.file = file
        // Mapped only when the table owns the file (it closes, and so unmaps, the file last) and
        // the mapping covers the blocks.
        let mapped = mapsFile && ownsFile ? file.mapIntoMemory() : nil
        self.mapped = (mapped?.count ?? 0) >= blocksEndOffset ? mapped : nil
        self.cache = cache
        self.cacheID = cache?.newTableID() ?? 0
        self.ownsFile = ownsFile
        self.path = path
        self.blocksEndOffset = blocksEndOffset
        self.indexHandle = footer.indexHandle
        self.index = SharedBlock(block: try SSTable.readBlock(footer.indexHandle, file: file, path: path, limit: blocksEndOffset))
        if footer.filterHandle == .absent {
            self.filter = nil
        } else {
            self.filter = try SSTable.readFilter(footer.filterHandle, file: file, path: path, limit: blocksEndOffset)
        }
    }

    /// Opens the SSTable in `file`, reading and verifying its footer, index block and filter
    /// block. `path` names the file in errors. The table keeps `file` open; the caller closes it
    /// after the last use of the table.
    ///
    /// Throws `.corruption` (file and offset named) for a short file, bad magic, bad checksum
    /// or malformed metadata; `.unsupportedFormat` for a newer format version; or the file's
    /// read error.
    package static func open(file: any ReadableFile, path: String) throws -> SSTable {
        try open(file: file, path: path, cache: nil, ownsFile: false)
    }

    /// `open` with a block cache, and (`ownsFile`) closing `file` when the table is released;
    /// `mapsFile` (with `ownsFile`) reads blocks from the file mapped into memory when the file
    /// system maps.
    static func open(
        file: any ReadableFile, path: String, cache: BlockCache?, ownsFile: Bool, mapsFile: Bool = false
    ) throws -> SSTable {
        let size = file.size
        guard size >= Footer.size else {
            throw TernError.corruption(
                "file of \(size) bytes is too short to be an SSTable (the footer alone is \(Footer.size))",
                file: path, offset: 0)
        }
        let footerOffset = size - Footer.size
        let footerBytes = try file.readExactly(at: footerOffset, count: Footer.size, path: path)
        let footer = try Footer.decode(footerBytes, path: path, fileOffset: footerOffset)
        return try SSTable(
            file: file, path: path, footer: footer, blocksEndOffset: footerOffset, cache: cache, ownsFile: ownsFile,
            mapsFile: mapsFile)
    }

    /// A snapshot of the read-path counters.
    package var statistics: Statistics {
        Statistics(
            filterChecks: filterCheckCount.load(ordering: .relaxed),
            filterSkips: filterSkipCount.load(ordering: .relaxed),
            dataBlockReads: dataBlockReadCount.load(ordering: .relaxed))
    }

    /// A new iterator over every entry (all versions) in internal-key order. Not positioned.
    package func makeIterator() -> SSTableIterator {
        SSTableIterator(table: self, fillsCache: true)
    }

    /// An iterator that reads through the block cache without adding to it (compaction reads
    /// every block once; caching them would evict what readers need).
    func makeIterator(fillsCache: Bool) -> SSTableIterator {
        SSTableIterator(table: self, fillsCache: fillsCache)
    }

    // MARK: Point lookups

    /// The newest record of `userKey` with a sequence number `<= snapshot`.
    ///
    /// Consults the Bloom filter first: a key the filter rules out costs no block read. Otherwise
    /// reads at most one data block. Throws `.corruption` (naming the file and the block's
    /// offset) or the file's read error.
    package func get(userKey: UnsafeRawBufferPointer, snapshot: SequenceNumber) throws -> LookupResult {
        try withLookup(userKey: userKey, snapshot: snapshot) { view in
            switch view {
            case .found(let value): .found([UInt8](value))
            case .deleted: .deleted
            case .notFound: .notFound
            }
        }
    }

    /// `get` for a byte-array key.
    package func get(userKey: [UInt8], snapshot: SequenceNumber) throws -> LookupResult {
        try userKey.withUnsafeBytes { try get(userKey: $0, snapshot: snapshot) }
    }

    /// `get` without copying the value: `body` sees it in place (valid only during the call).
    package func withLookup<Result>(
        userKey: UnsafeRawBufferPointer, snapshot: SequenceNumber,
        _ body: (LookupView) throws -> Result
    ) throws -> Result {
        if let filter {
            filterCheckCount.add(1, ordering: .relaxed)
            if !filter.mayContain(userKey) {
                filterSkipCount.add(1, ordering: .relaxed)
                return try body(.notFound)
            }
        }
        let lookupKeyLength = userKey.count + InternalKey.trailerSize
        return try withUnsafeTemporaryAllocation(
            byteCount: lookupKeyLength + SSTable.lookupKeyScratchBytes, alignment: 8
        ) { scratch in
            // The lookup key (userKey, snapshot, .forSeek) sorts just before every record of the
            // user key visible at `snapshot`: the first entry >= it is the newest visible one.
            let base = scratch.baseAddress!
            if userKey.count > 0 { base.copyMemory(from: userKey.baseAddress!, byteCount: userKey.count) }
            base.storeBytes(
                of: InternalKey.trailer(snapshot, .forSeek).littleEndian, toByteOffset: userKey.count, as: UInt64.self)
            let lookupKey = UnsafeRawBufferPointer(start: base, count: lookupKeyLength)
            let keyScratch = UnsafeMutableRawBufferPointer(rebasing: scratch[lookupKeyLength...])

            let handle: BlockHandle
            do {
                var indexIterator = BlockIterator(block: index.block, borrowing: keyScratch)
                indexIterator.seek(lookupKey)
                if let status = indexIterator.status { throw status.naming(file: path, offset: indexHandle.offset) }
                // Past the last separator: every key in the table is smaller.
                guard indexIterator.isValid else { return try body(.notFound) }
                guard let decoded = BlockHandle.decode(exactly: indexIterator.value) else {
                    throw TernError.corruption("malformed block handle in the index", file: path, offset: indexHandle.offset)
                }
                handle = decoded
            }
            let block = try readBlock(handle)
            var dataIterator = BlockIterator(block: block, borrowing: keyScratch)
            dataIterator.seek(lookupKey)
            if let status = dataIterator.status { throw status.naming(file: path, offset: handle.offset) }
            // Off the end of the block means the key falls between this block's last key and
            // its separator, so it is absent (the next block starts above the separator).
            guard dataIterator.isValid else { return try body(.notFound) }
            let foundKey = dataIterator.key
            guard compareBytes(InternalKey.userKey(foundKey), userKey) == 0 else { return try body(.notFound) }
            guard let (_, kind) = InternalKey.decodeTrailer(foundKey) else {
                throw TernError.corruption("entry has an unknown value kind", file: path, offset: handle.offset)
            }
            switch kind {
            case .value: return try body(.found(dataIterator.value))
            case .deletion: return try body(.deleted)
            }
        }
    }

    // MARK: Block reads

    /// Reads, verifies and decodes the data block at `handle`. Every data-block read of the
    /// table and its iterators goes through here (a block cache will hook in here).
    ///
    /// `readBuffer`, when given and at least `handle.size + 5` bytes, receives the stored bytes,
    /// so the read costs one allocation (the block). Without it, the stored bytes are read into
    /// the block's own allocation, which a raw block keeps (one allocation) and an LZ4 block
    /// decompresses out of (two).
    func readBlock(
        _ handle: BlockHandle, readBuffer: UnsafeMutableRawBufferPointer? = nil, fillsCache: Bool = true
    ) throws -> Block {
        guard let cache else {
            dataBlockReadCount.add(1, ordering: .relaxed)
            return try loadBlock(handle, readBuffer: readBuffer)
        }
        let key = BlockCacheKey(tableID: cacheID, offset: handle.offset)
        if let cached = cache.lookup(key) { return cached }
        dataBlockReadCount.add(1, ordering: .relaxed)
        let block = try loadBlock(handle, readBuffer: readBuffer)
        if fillsCache { cache.insert(key, block) }
        return block
    }

    /// A block from the mapped file, or read from the file.
    private func loadBlock(_ handle: BlockHandle, readBuffer: UnsafeMutableRawBufferPointer?) throws -> Block {
        if let mapped {
            return try SSTable.decodeMappedBlock(handle, mapped: mapped, path: path, limit: blocksEndOffset)
        }
        return try SSTable.readBlock(handle, file: file, path: path, limit: blocksEndOffset, readBuffer: readBuffer)
    }

    /// Verifies and decodes the block at `handle` in the mapped file (`limit` ≤ `mapped.count`).
    static func decodeMappedBlock(
        _ handle: BlockHandle, mapped: UnsafeRawBufferPointer, path: String, limit: Int
    ) throws -> Block {
        do {
            let storedSize = try checkedStoredSize(handle, path: path, limit: limit)
            let stored = UnsafeRawBufferPointer(rebasing: mapped[handle.offset..<(handle.offset + storedSize)])
            let type = try verified(stored, handle: handle, path: path)
            return try decodeBlock(UnsafeRawBufferPointer(rebasing: stored[0..<handle.size]), type)
        } catch let error as TernError {
            throw error.naming(file: path, offset: handle.offset)
        }
    }

    deinit {
        if ownsFile { file.close() }
    }

    static func readBlock(
        _ handle: BlockHandle, file: any ReadableFile, path: String, limit: Int,
        readBuffer: UnsafeMutableRawBufferPointer? = nil
    ) throws -> Block {
        do {
            let storedSize = try checkedStoredSize(handle, path: path, limit: limit)
            if let readBuffer, readBuffer.count >= storedSize {
                let stored = UnsafeMutableRawBufferPointer(rebasing: readBuffer[0..<storedSize])
                let type = try readVerified(handle, into: stored, file: file, path: path)
                return try decodeBlock(UnsafeRawBufferPointer(rebasing: stored[0..<handle.size]), type)
            }
            let block = Block.allocate(capacity: storedSize)
            let stored = UnsafeMutableRawBufferPointer(start: block.storage, count: storedSize)
            let type = try readVerified(handle, into: stored, file: file, path: path)
            if type == .raw {
                try block.seal(byteCount: handle.size)
                return block
            }
            return try decodeBlock(UnsafeRawBufferPointer(rebasing: stored[0..<handle.size]), type)
        } catch let error as TernError {
            throw error.naming(file: path, offset: handle.offset)
        }
    }

    static func readFilter(_ handle: BlockHandle, file: any ReadableFile, path: String, limit: Int) throws -> BloomFilter {
        do {
            let storedSize = try checkedStoredSize(handle, path: path, limit: limit)
            var stored = [UInt8](repeating: 0, count: storedSize)
            let type = try stored.withUnsafeMutableBytes { try readVerified(handle, into: $0, file: file, path: path) }
            return try stored.withUnsafeBytes { stored in
                let payload = UnsafeRawBufferPointer(rebasing: stored[0..<handle.size])
                var encoded = [UInt8](repeating: 0, count: try decodedLength(payload, type))
                try encoded.withUnsafeMutableBytes { try decode(payload, type, into: $0) }
                return try BloomFilter(encoded: encoded)
            }
        } catch let error as TernError {
            throw error.naming(file: path, offset: handle.offset)
        }
    }

    /// The bytes a block occupies in the file (payload and trailer), after checking that
    /// `handle` (which comes from the file) lies inside the blocks: it is trusted with an
    /// allocation next.
    private static func checkedStoredSize(_ handle: BlockHandle, path: String, limit: Int) throws -> Int {
        guard handle.offset <= limit, handle.size <= limit - handle.offset - SSTableFormat.blockTrailerSize else {
            throw TernError.corruption(
                "block handle (offset \(handle.offset), size \(handle.size)) points outside the blocks (which end at \(limit))",
                file: path, offset: handle.offset)
        }
        return handle.size + SSTableFormat.blockTrailerSize
    }

    /// Reads the stored block at `handle` (payload and trailer, exactly `stored.count` bytes)
    /// into `stored` and verifies its checksum; returns the block type.
    private static func readVerified(
        _ handle: BlockHandle, into stored: UnsafeMutableRawBufferPointer, file: any ReadableFile, path: String
    ) throws -> BlockType {
        let got = try file.read(at: handle.offset, into: stored)
        guard got == stored.count else {
            throw TernError.corruption(
                "file is truncated: block wants \(stored.count) bytes, found \(got)", file: path, offset: handle.offset)
        }
        return try verified(UnsafeRawBufferPointer(stored), handle: handle, path: path)
    }

    /// Checks the checksum of a stored block (payload and trailer, `handle.size + 5` bytes) and
    /// returns its type.
    private static func verified(_ bytes: UnsafeRawBufferPointer, handle: BlockHandle, path: String) throws -> BlockType {
        let expected = CRC32C.unmask(bytes.fixed32(at: handle.size + 1))
        // The checksum covers the payload and the type byte.
        let actual = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(handle.size + 1)]))
        guard actual == expected else {
            throw TernError.corruption("block checksum mismatch", file: path, offset: handle.offset)
        }
        guard let type = BlockType(rawValue: bytes[handle.size]) else {
            throw TernError.corruption("unknown block type \(bytes[handle.size])", file: path, offset: handle.offset)
        }
        return type
    }

    /// A block holding the decoded `payload`.
    private static func decodeBlock(_ payload: UnsafeRawBufferPointer, _ type: BlockType) throws -> Block {
        let length = try decodedLength(payload, type)
        return try Block.make(byteCount: length) { destination in
            try decode(payload, type, into: destination)
        }
    }

    /// The length of a payload once decoded.
    private static func decodedLength(_ payload: UnsafeRawBufferPointer, _ type: BlockType) throws -> Int {
        switch type {
        case .raw:
            return payload.count
        case .lz4:
            // LZ4 expands at most ~255x; a larger claim is corruption, not an allocation to try.
            guard let (length, next) = payload.varint(at: 0),
                  length <= UInt64(lz4MaximumInputBytes), length <= UInt64(payload.count - next) * 256 + 64
            else {
                throw TernError.corruption("LZ4 block has a malformed uncompressed length", file: nil, offset: nil)
            }
            return Int(length)
        }
    }

    /// Decodes a payload into `destination`, which holds exactly `decodedLength` bytes.
    private static func decode(
        _ payload: UnsafeRawBufferPointer, _ type: BlockType, into destination: UnsafeMutableRawBufferPointer
    ) throws {
        switch type {
        case .raw:
            if payload.count > 0 { destination.copyMemory(from: payload) }
        case .lz4:
            guard let (_, next) = payload.varint(at: 0),
                  LZ4.decompress(UnsafeRawBufferPointer(rebasing: payload[next...]), into: destination)
            else {
                throw TernError.corruption("LZ4 block does not decompress", file: nil, offset: nil)
            }
        }
    }
}
