/// An ordered group of puts and deletes applied atomically: all of them or none, in the WAL and
/// in the memtable. Later operations in a batch win over earlier ones on the same key.
///
/// Encoding (a batch inside a WAL record, see `docs/formats/wal.md`):
///
///     sequence (fixed64) | count (fixed32) | stamp (fixed64) | record*
///     record := kind (1 byte: 1 put, 0 delete) | varint keyLength | key | [varint valueLength | value]
///
/// The sequence number and the commit stamp are assigned by the store when the batch is
/// written; record `i` gets `sequence + i`.
public struct WriteBatch: Sendable {
    static let headerSize = 20

    /// Keys longer than this are refused with `.invalidArgument`.
    public static let maxKeySize = 64 * 1024
    /// Values longer than this are refused with `.invalidArgument`.
    public static let maxValueSize = 16 * 1024 * 1024

    private(set) var representation: [UInt8]
    /// The first operation over the size limits, described; `validate()` throws it. Checked as
    /// operations are added, so writing a batch needs no extra pass over it.
    private var limitViolation: String?

    /// An empty batch.
    public init() {
        representation = [UInt8](repeating: 0, count: WriteBatch.headerSize)
    }

    /// An empty batch with room for `bytes` of operations before it grows.
    public init(reservingCapacity bytes: Int) {
        representation = []
        representation.reserveCapacity(WriteBatch.headerSize + bytes)
        representation.append(contentsOf: repeatElement(0, count: WriteBatch.headerSize))
    }

    init(representation: [UInt8]) {
        self.representation = representation
    }

    /// The number of operations in the batch.
    public var count: Int {
        Int(representation.withUnsafeBytes { $0.fixed32(at: 8) })
    }

    /// Whether the batch holds no operation.
    public var isEmpty: Bool { count == 0 }

    /// The encoded size in bytes (what the batch costs in the WAL).
    public var byteSize: Int { representation.count }

    /// Adds a put of `value` under `key`.
    /// - Precondition: `key.count <= maxKeySize`, `value.count <= maxValueSize` (checked again,
    ///   as an error, when the batch is written; see `validate()`).
    public mutating func put(_ key: some Collection<UInt8>, _ value: some Collection<UInt8>) {
        checkLimits(keyCount: key.count, valueCount: value.count)
        representation.append(ValueKind.value.rawValue)
        representation.appendLengthPrefixed(key)
        representation.appendLengthPrefixed(value)
        setCount(count + 1)
    }

    /// Adds a put of `value` under `key` (byte arrays: the fast path, a copy of each).
    public mutating func put(_ key: [UInt8], _ value: [UInt8]) {
        key.withUnsafeBytes { key in value.withUnsafeBytes { value in put(key, value) } }
    }

    /// Adds a put of `value` under `key`, copying both from raw buffers.
    public mutating func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        checkLimits(keyCount: key.count, valueCount: value.count)
        representation.append(ValueKind.value.rawValue)
        representation.appendVarint(key.count)
        representation.append(contentsOf: key)
        representation.appendVarint(value.count)
        representation.append(contentsOf: value)
        setCount(count + 1)
    }

    /// Adds a delete of `key` (a byte array: the fast path).
    public mutating func delete(_ key: [UInt8]) {
        checkLimits(keyCount: key.count, valueCount: 0)
        key.withUnsafeBytes { key in
            representation.append(ValueKind.deletion.rawValue)
            representation.appendVarint(key.count)
            representation.append(contentsOf: key)
        }
        setCount(count + 1)
    }

    /// Adds a delete of `key`.
    public mutating func delete(_ key: some Collection<UInt8>) {
        checkLimits(keyCount: key.count, valueCount: 0)
        representation.append(ValueKind.deletion.rawValue)
        representation.appendLengthPrefixed(key)
        setCount(count + 1)
    }

    /// Appends every operation of `other`, after this batch's own.
    public mutating func append(contentsOf other: WriteBatch) {
        if limitViolation == nil, let violation = other.limitViolation {
            limitViolation = "operation \(count) + " + violation
        }
        representation.append(contentsOf: other.representation[WriteBatch.headerSize...])
        setCount(count + other.count)
    }

    /// Removes every operation.
    public mutating func removeAll() {
        limitViolation = nil
        representation.removeAll(keepingCapacity: true)
        representation.append(contentsOf: repeatElement(0, count: WriteBatch.headerSize))
    }

    var sequence: SequenceNumber {
        get { SequenceNumber(rawValue: representation.withUnsafeBytes { $0.fixed64(at: 0) }) }
        set {
            representation.withUnsafeMutableBytes {
                $0.storeBytes(of: newValue.rawValue.littleEndian, toByteOffset: 0, as: UInt64.self)
            }
        }
    }

    /// The commit stamp the store gave the batch (zero until it is written).
    var stamp: HybridTimestamp {
        get { HybridTimestamp(rawValue: representation.withUnsafeBytes { $0.fixed64(at: 12) }) }
        set {
            representation.withUnsafeMutableBytes {
                $0.storeBytes(of: newValue.rawValue.littleEndian, toByteOffset: 12, as: UInt64.self)
            }
        }
    }

    private mutating func setCount(_ newCount: Int) {
        representation.withUnsafeMutableBytes {
            $0.storeBytes(of: UInt32(newCount).littleEndian, toByteOffset: 8, as: UInt32.self)
        }
    }

    private mutating func checkLimits(keyCount: Int, valueCount: Int) {
        guard limitViolation == nil else { return }
        if keyCount > WriteBatch.maxKeySize {
            limitViolation = "key of operation \(count) is \(keyCount) bytes; the limit is \(WriteBatch.maxKeySize)"
        } else if valueCount > WriteBatch.maxValueSize {
            limitViolation = "value of operation \(count) is \(valueCount) bytes; the limit is \(WriteBatch.maxValueSize)"
        }
    }

    /// Throws `.invalidArgument` naming the first operation over the size limits.
    func validate() throws {
        if let limitViolation { throw TernError(.invalidArgument, limitViolation) }
    }

    /// Calls `body` with each operation in order: its kind, key and value (empty for deletes).
    /// The buffers are valid only during the call. Throws `.corruption` when the encoding is
    /// malformed (a batch read back from the WAL).
    func forEach(
        file: String? = nil, offset: Int? = nil,
        _ body: (ValueKind, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try WriteBatch.forEachOperation(in: representation, file: file, offset: offset, body)
    }

    /// `forEach` over an encoded batch (header included) held elsewhere.
    static func forEachOperation(
        in encoded: [UInt8], file: String? = nil, offset: Int? = nil,
        _ body: (ValueKind, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try encoded.withUnsafeBytes { raw in
            guard raw.count >= WriteBatch.headerSize else {
                throw TernError.corruption("write batch shorter than its header", file: file, offset: offset)
            }
            var reader = ByteReader(raw, position: WriteBatch.headerSize)
            try forEachOperation(&reader, count: Int(raw.fixed32(at: 8)), file: file, offset: offset, body)
            guard reader.isAtEnd else {
                throw TernError.corruption("write batch holds more than its \(raw.fixed32(at: 8)) operations", file: file, offset: offset)
            }
        }
    }

    /// Reads `count` operations from `reader`, calling `body` with each. Throws `.corruption`
    /// when the bytes end first or an operation is malformed.
    static func forEachOperation(
        _ reader: inout ByteReader, count: Int, file: String?, offset: Int?,
        _ body: (ValueKind, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        for seen in 0..<count {
            guard let kindByte = reader.readByte(), let kind = ValueKind(rawValue: kindByte),
                  let key = reader.readLengthPrefixed()
            else { throw TernError.corruption("malformed write batch (operation \(seen) of \(count))", file: file, offset: offset) }
            var value = UnsafeRawBufferPointer(start: nil, count: 0)
            if kind == .value {
                guard let bytes = reader.readLengthPrefixed() else {
                    throw TernError.corruption("malformed write batch value (operation \(seen) of \(count))", file: file, offset: offset)
                }
                value = bytes
            }
            try body(kind, key, value)
        }
    }
}
