/// Appends records to a log file in the format of `LogFormat`.
///
/// Records are assembled in a user-space buffer and handed to the file by `flush()` (or when a
/// block fills up); `sync()` flushes and makes everything durable. A record is durable only
/// after a `sync()` that follows it.
///
/// Thread safety: none; the owner confines a writer to one thread at a time.
package struct LogWriter: ~Copyable {
    package let file: any WritableFile
    /// Offset of the next byte inside the current block.
    private var blockOffset: Int
    private var buffer: [UInt8] = []
    /// The log's size as this writer sees it: the bytes the file held when the writer was
    /// created plus every byte added since (buffered or not).
    package private(set) var writtenBytes = 0

    /// A writer appending to `file`, which already holds `existingSize` bytes.
    package init(file: any WritableFile, existingSize: Int = 0) {
        self.file = file
        self.blockOffset = existingSize % LogFormat.blockSize
        self.writtenBytes = existingSize
        buffer.reserveCapacity(LogFormat.blockSize * 2)
    }

    /// Adds one record, fragmented across blocks as needed. The bytes are buffered. Returns how
    /// many bytes the record took in the log (headers and block padding included).
    @discardableResult
    package mutating func add(_ payload: UnsafeRawBufferPointer) throws -> Int {
        let before = writtenBytes
        precondition(payload.count <= LogFormat.maxRecordSize, "log record too large")
        var position = 0
        var isFirst = true
        while true {
            let leftInBlock = LogFormat.blockSize - blockOffset
            if leftInBlock < LogFormat.headerSize {
                buffer.append(contentsOf: repeatElement(0, count: leftInBlock))
                writtenBytes += leftInBlock
                blockOffset = 0
                continue
            }
            let available = leftInBlock - LogFormat.headerSize
            let fragmentLength = min(available, payload.count - position)
            let isLast = position + fragmentLength == payload.count
            let type: LogRecordType = isFirst ? (isLast ? .full : .first) : (isLast ? .last : .middle)
            appendFragment(type, UnsafeRawBufferPointer(rebasing: payload[position..<(position + fragmentLength)]))
            position += fragmentLength
            isFirst = false
            if buffer.count >= LogFormat.blockSize { try flush() }
            if isLast { break }
        }
        return writtenBytes - before
    }

    /// Adds one record from an array.
    @discardableResult
    package mutating func add(_ payload: [UInt8]) throws -> Int {
        try payload.withUnsafeBytes { try add($0) }
    }

    private mutating func appendFragment(_ type: LogRecordType, _ fragment: UnsafeRawBufferPointer) {
        let typeCRC = withUnsafeBytes(of: type.rawValue) { CRC32C.checksum($0) }
        let crc = CRC32C.checksum(fragment, extending: typeCRC)
        buffer.appendFixed32(CRC32C.mask(crc))
        buffer.appendFixed16(UInt16(fragment.count))
        buffer.append(type.rawValue)
        buffer.append(contentsOf: fragment)
        let written = LogFormat.headerSize + fragment.count
        blockOffset += written
        writtenBytes += written
    }

    /// Hands buffered bytes to the file (no sync).
    package mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        try buffer.withUnsafeBytes { try file.append($0) }
    }

    /// Flushes and makes every record added so far durable.
    package mutating func sync() throws {
        try flush()
        try file.sync()
    }

    /// Flushes and closes the file (without syncing).
    package consuming func close() throws {
        try flush()
        try file.close()
    }
}
