/// Constants of the SSTable file format. The byte grammar is `docs/formats/sstable.md`; any
/// change to what is written (or to how it must be read) bumps `version`.
enum SSTableFormat {
    /// The format version written in every footer. A reader refuses a file with a larger one
    /// (`.unsupportedFormat`), and treats 0 as corruption.
    static let version: UInt32 = 1

    /// The last 8 bytes of every SSTable: the ASCII bytes `TERNSST1` (as a little-endian fixed64).
    static let magic: UInt64 = 0x3154_5353_4E52_4554

    /// Bytes after each stored block: 1 byte block type, fixed32 masked CRC32C.
    static let blockTrailerSize = 5

    /// Restart interval of index blocks: every entry is a restart point, so a lookup binary
    /// searches the index in place without reconstructing keys.
    static let indexRestartInterval = 1

    /// Data blocks are compressed only when LZ4 saves at least `1 / compressionMinimumSavingDivisor`
    /// of the block.
    static let compressionMinimumSavingDivisor = 8
}

/// How a stored block's payload is encoded (the first byte of its trailer).
enum BlockType: UInt8 {
    /// The payload is the block itself.
    case raw = 0
    /// The payload is `varint64 uncompressedLength` followed by one LZ4 raw block (no frame).
    case lz4 = 1
}

/// Where a block is stored: `size` payload bytes at `offset`, followed by the 5-byte trailer
/// (not counted in `size`).
struct BlockHandle: Hashable, Sendable {
    var offset: Int
    var size: Int

    /// The longest encoding: two varint64s.
    static let maxEncodedLength = 20

    /// `(0, 0)`: used in the footer for "no filter block".
    static let absent = BlockHandle(offset: 0, size: 0)

    func encode(into bytes: inout [UInt8]) {
        bytes.appendVarint(offset)
        bytes.appendVarint(size)
    }

    var encoded: [UInt8] {
        var bytes = [UInt8]()
        encode(into: &bytes)
        return bytes
    }

    /// Decodes a handle from a reader, or `nil` when the bytes are truncated or a value does not
    /// fit in 63 bits.
    static func decode(_ reader: inout ByteReader) -> BlockHandle? {
        guard let offset = reader.readVarint(), offset <= UInt64(Int.max),
              let size = reader.readVarint(), size <= UInt64(Int.max)
        else { return nil }
        return BlockHandle(offset: Int(offset), size: Int(size))
    }

    /// Decodes a handle that must fill `bytes` exactly (an index entry's value).
    static func decode(exactly bytes: UnsafeRawBufferPointer) -> BlockHandle? {
        var reader = ByteReader(bytes)
        guard let handle = decode(&reader), reader.isAtEnd else { return nil }
        return handle
    }
}

/// The fixed-size end of every SSTable.
///
/// ```
/// offset  0: filter handle, index handle (varints), zero padding      40 bytes
/// offset 40: fixed32 masked CRC32C of footer bytes [0, 40) ++ [44, 56)
/// offset 44: fixed32 format version
/// offset 48: fixed64 magic
/// ```
/// The version and magic stay at the end of the file in every future version, so an old reader
/// can always tell "newer format" from "not an SSTable".
struct Footer: Equatable {
    var filterHandle: BlockHandle
    var indexHandle: BlockHandle

    static let size = 56
    static let handleAreaSize = 40
    static let checksumOffset = 40
    static let versionOffset = 44
    static let magicOffset = 48

    func encode() -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(Footer.size)
        filterHandle.encode(into: &bytes)
        indexHandle.encode(into: &bytes)
        precondition(bytes.count <= Footer.handleAreaSize)
        bytes.append(contentsOf: repeatElement(0, count: Footer.handleAreaSize - bytes.count))
        bytes.appendFixed32(0)  // checksum, filled in below
        bytes.appendFixed32(SSTableFormat.version)
        bytes.appendFixed64(SSTableFormat.magic)
        let checksum = Footer.checksum(of: bytes)
        bytes.withUnsafeMutableBytes {
            $0.storeBytes(of: CRC32C.mask(checksum).littleEndian, toByteOffset: Footer.checksumOffset, as: UInt32.self)
        }
        return bytes
    }

    /// The CRC32C of every footer byte except the checksum field.
    static func checksum(of footer: [UInt8]) -> UInt32 {
        footer.withUnsafeBytes { raw in
            let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<checksumOffset]))
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[versionOffset..<size]), extending: head)
        }
    }

    /// Parses and verifies a footer read from the last `Footer.size` bytes of `path`, which start
    /// at `fileOffset`. Magic first (is this an SSTable at all), then version (can this build read
    /// the rest), then the checksum and the handles.
    static func decode(_ footer: [UInt8], path: String, fileOffset: Int) throws -> Footer {
        precondition(footer.count == size)
        return try footer.withUnsafeBytes { raw in
            guard raw.fixed64(at: magicOffset) == SSTableFormat.magic else {
                throw TernError.corruption("bad magic number: not an SSTable", file: path, offset: fileOffset + magicOffset)
            }
            let version = raw.fixed32(at: versionOffset)
            if version > SSTableFormat.version {
                throw TernError(
                    .unsupportedFormat,
                    "SSTable format version \(version) is newer than this build reads (\(SSTableFormat.version))",
                    file: path, offset: fileOffset + versionOffset)
            }
            guard version >= 1 else {
                throw TernError.corruption("SSTable format version 0 is invalid", file: path, offset: fileOffset + versionOffset)
            }
            let stored = CRC32C.unmask(raw.fixed32(at: checksumOffset))
            guard stored == checksum(of: footer) else {
                throw TernError.corruption("footer checksum mismatch", file: path, offset: fileOffset)
            }
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: raw[0..<handleAreaSize]))
            guard let filterHandle = BlockHandle.decode(&reader), let indexHandle = BlockHandle.decode(&reader) else {
                throw TernError.corruption("footer block handles are malformed", file: path, offset: fileOffset)
            }
            while let byte = reader.readByte() {
                guard byte == 0 else {
                    throw TernError.corruption("footer padding is not zero", file: path, offset: fileOffset + reader.position - 1)
                }
            }
            return Footer(filterHandle: filterHandle, indexHandle: indexHandle)
        }
    }
}
