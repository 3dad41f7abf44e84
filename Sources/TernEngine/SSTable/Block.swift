/// Where the parts of a decoded block lie. Computed once, when the block is made.
@_spi(Benchmarks) public struct BlockLayout {
    /// Bytes in the block: entries, restart array and restart count.
    var byteCount: Int
    /// Offset of the restart array; entries occupy `0..<restartsOffset`.
    var restartsOffset: Int
    /// Number of restart points (0 only for an empty block).
    var restartCount: Int
}

/// The decoded (uncompressed) bytes of one data or index block, in a single heap allocation
/// (header and bytes tail-allocated together), immutable once made.
///
/// Grammar (see `docs/formats/sstable.md`):
/// ```
/// block   := entry* restart* restartCount
/// entry   := varint32 shared, varint32 unshared, varint32 valueLength,
///            byte[unshared] keyDelta, byte[valueLength] value
/// restart := fixed32 offset of an entry whose shared == 0
/// restartCount := fixed32
/// ```
/// `make` validates the restart array (count fits, offsets strictly increasing, the first is 0,
/// all inside the entry area), so iterators can trust it; entries are checked as they are parsed.
///
/// Thread safety: written only inside `make`, before anyone else can see it, and read-only
/// afterwards, so any number of threads may read it. The standard library marks `ManagedBuffer`
/// unavailable for `Sendable`, so a block crosses threads inside a `SharedBlock`.
@_spi(Benchmarks) public final class Block: ManagedBuffer<BlockLayout, UInt8> {
    /// Allocates a block of `byteCount` bytes, lets `initialize` write all of them, then validates
    /// the restart array. Throws `.corruption` (without a file name: the caller adds it) when the
    /// bytes are not a well-formed block, or rethrows what `initialize` throws.
    static func make(
        byteCount: Int, initializingWith initialize: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws -> Block {
        let block = allocate(capacity: byteCount)
        try initialize(UnsafeMutableRawBufferPointer(start: block.storage, count: byteCount))
        try block.seal(byteCount: byteCount)
        return block
    }

    /// A block whose bytes are not written yet: write up to `capacity` bytes at `storage`, then
    /// `seal` it, before anyone else sees it.
    static func allocate(capacity: Int) -> Block {
        let buffer = Block.create(minimumCapacity: max(capacity, 1)) { _ in
            BlockLayout(byteCount: 0, restartsOffset: 0, restartCount: 0)
        }
        return unsafeDowncast(buffer, to: Block.self)
    }

    /// Where an `allocate`d block's bytes go.
    var storage: UnsafeMutableRawPointer {
        withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0) }
    }

    /// Makes the first `byteCount` bytes written at `storage` the block, validating its restart
    /// array (`.corruption` without a file name when malformed). Called once, before publication.
    func seal(byteCount: Int) throws {
        header = try Block.parseLayout(UnsafeRawBufferPointer(start: storage, count: byteCount))
    }

    /// A block holding a copy of `bytes`.
    static func make(copying bytes: UnsafeRawBufferPointer) throws -> Block {
        try make(byteCount: bytes.count) { destination in
            if bytes.count > 0 { destination.copyMemory(from: bytes) }
        }
    }

    /// A block holding a copy of `bytes`.
    @_spi(Benchmarks) public static func make(copying bytes: [UInt8]) throws -> Block {
        try bytes.withUnsafeBytes { try make(copying: $0) }
    }

    /// The first byte. Stable for the block's lifetime (tail-allocated storage of a class
    /// instance never moves); whoever keeps it must keep the block alive too.
    var base: UnsafeRawPointer {
        withUnsafeMutablePointerToElements { UnsafeRawPointer($0) }
    }

    /// All bytes of the block; valid while the block is alive.
    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: header.byteCount)
    }

    var byteCount: Int { header.byteCount }
    var restartCount: Int { header.restartCount }

    /// Validates the restart array of a block's bytes and says where its parts are.
    static func parseLayout(_ bytes: UnsafeRawBufferPointer) throws -> BlockLayout {
        let byteCount = bytes.count
        guard byteCount >= 4 else {
            throw TernError.corruption("block of \(byteCount) bytes is too short for its restart count", file: nil, offset: nil)
        }
        let restartCount = Int(bytes.fixed32(at: byteCount - 4))
        guard restartCount <= (byteCount - 4) / 4 else {
            throw TernError.corruption(
                "block restart count \(restartCount) does not fit in \(byteCount) bytes", file: nil, offset: nil)
        }
        let restartsOffset = byteCount - 4 - 4 * restartCount
        if restartCount == 0 {
            guard restartsOffset == 0 else {
                throw TernError.corruption("block has entries but no restart points", file: nil, offset: nil)
            }
        }
        var previous = -1
        for index in 0..<restartCount {
            let restart = Int(bytes.fixed32(at: restartsOffset + 4 * index))
            guard restart > previous, restart < restartsOffset, index > 0 || restart == 0 else {
                throw TernError.corruption(
                    "block restart point \(index) (offset \(restart)) is out of order or outside the entries",
                    file: nil, offset: nil)
            }
            previous = restart
        }
        return BlockLayout(byteCount: byteCount, restartsOffset: restartsOffset, restartCount: restartCount)
    }
}

/// A block that may be shared between threads (by a table, or later a block cache).
///
/// `@unchecked Sendable`: a `Block` is immutable once `Block.make` returns (no lock is needed to
/// read it); only the standard library's blanket unavailability of `Sendable` for
/// `ManagedBuffer` subclasses keeps the compiler from seeing that.
struct SharedBlock: @unchecked Sendable {
    let block: Block
}

/// A block with no entries (just a zero restart count): the starting point of iterators that
/// have not loaded a block yet.
let emptyBlock = SharedBlock(block: makeEmptyBlock())

private func makeEmptyBlock() -> Block {
    let block = Block.allocate(capacity: 4)
    block.storage.storeBytes(of: UInt32(0), as: UInt32.self)
    try! block.seal(byteCount: 4)  // four zero bytes are a well-formed empty block
    return block
}
