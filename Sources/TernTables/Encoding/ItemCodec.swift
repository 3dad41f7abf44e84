import TernEngine

/// The compact binary encoding of an item, decodable attribute by attribute.
///
/// An encoded item is a version byte, an attribute count, and one entry per attribute in
/// ascending byte order of names: `nameLength name valueLength value`. The value length lets a
/// reader skip an attribute it does not need without decoding it, so a projection decodes only the
/// top-level attributes it keeps. Encoding is deterministic (names, map keys and set elements are
/// sorted), so equal items encode to equal bytes. The byte grammar and test vectors are in
/// `docs/formats/item-codec.md`.
///
/// Decoding validates everything it reads (lengths, UTF-8, canonical numbers, sorted unique names
/// and set elements, non-empty sets, nesting depth) and throws `TernError.corruption` on malformed
/// input; it never traps.
package enum ItemCodec {
    /// The version byte every encoded item starts with. Bump it on any change to the bytes produced.
    package static let formatVersion: UInt8 = 1

    enum Tag: UInt8 {
        case string = 0x01
        case number = 0x02
        case binary = 0x03
        case boolFalse = 0x04
        case boolTrue = 0x05
        case null = 0x06
        case list = 0x07
        case map = 0x08
        case stringSet = 0x09
        case numberSet = 0x0A
        case binarySet = 0x0B
    }

    /// Number head byte values.
    static let numberZero: UInt8 = 0
    static let numberPositive: UInt8 = 1
    static let numberNegative: UInt8 = 2

    // MARK: - Encoding

    /// The encoding of `item`.
    package static func encode(_ item: Item) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(item, into: &bytes)
        return bytes
    }

    /// Appends the encoding of `item` to `bytes` (reuse one buffer across items to avoid allocation).
    package static func encode(_ item: Item, into bytes: inout [UInt8]) {
        var entries: [Encoded.Entry]? = nil
        appendItem(item, to: &bytes, entries: &entries)
    }

    /// Appends `version count *entry`; when `entries` is non-nil, records where each entry lies.
    private static func appendItem(_ item: Item, to bytes: inout [UInt8], entries: inout [Encoded.Entry]?) {
        bytes.append(formatVersion)
        bytes.appendVarUInt(item.count)
        for (name, value) in sortedByName(item) {
            let start = bytes.count
            appendString(name, to: &bytes)
            // The value goes in place after a one-byte length, widened afterwards in the rare
            // case it needs more (a value of 128 bytes or more).
            let lengthOffset = bytes.count
            bytes.append(0)
            appendValue(value, to: &bytes)
            let length = bytes.count - lengthOffset - 1
            if length < 0x80 {
                bytes[lengthOffset] = UInt8(length)
            } else {
                var prefix: [UInt8] = []
                prefix.appendVarUInt(length)
                bytes.replaceSubrange(lengthOffset..<lengthOffset + 1, with: prefix)
            }
            entries?.append(Encoded.Entry(name: name, range: start..<bytes.count))
        }
    }

    /// The attributes of `item` (or a map) in ascending byte order of names.
    static func sortedByName(_ item: [String: AttributeValue]) -> [(key: String, value: AttributeValue)] {
        // `compare(String, String)` reads both strings' UTF-8 in place (the generic sequence
        // comparison was a twentieth of an UpdateItem).
        item.sorted { ByteOrder.compare($0.key, $1.key) < 0 }
    }

    /// An item encoded once together with the position of each top-level entry, so the item
    /// restricted to some attributes (a secondary index entry's value) is copied out of these
    /// bytes instead of being filtered and encoded again.
    struct Encoded {
        struct Entry {
            let name: String
            /// `name value-length value` within `bytes`.
            let range: Range<Int>
        }

        /// Exactly what `ItemCodec.encode(_:)` returns for the item.
        let bytes: [UInt8]
        /// The top-level entries in stored (ascending name) order.
        let entries: [Entry]

        init(_ item: Item) {
            var bytes: [UInt8] = []
            var entries: [Entry]? = []
            entries!.reserveCapacity(item.count)
            ItemCodec.appendItem(item, to: &bytes, entries: &entries)
            self.bytes = bytes
            self.entries = entries!
        }

        /// The encoding of the item keeping only the attributes in `names` (all when nil): equal to
        /// `ItemCodec.encode(item.filter { names.contains($0.key) })`, since a subsequence of
        /// sorted entries is sorted and each entry's bytes do not depend on the others.
        func restricted(to names: Set<String>?) -> [UInt8] {
            guard let names else { return bytes }
            let kept = entries.filter { names.contains($0.name) }
            var result: [UInt8] = []
            result.reserveCapacity(2 + kept.reduce(0) { $0 + $1.range.count })
            result.append(formatVersion)
            result.appendVarUInt(kept.count)
            for entry in kept { result.append(contentsOf: bytes[entry.range]) }
            return result
        }
    }

    static func appendString(_ string: String, to bytes: inout [UInt8]) {
        bytes.appendVarUInt(string.utf8.count)
        bytes.append(contentsOf: string.utf8)
    }

    static func appendBytes(_ payload: [UInt8], to bytes: inout [UInt8]) {
        bytes.appendVarUInt(payload.count)
        bytes.append(contentsOf: payload)
    }

    static func appendNumber(_ number: Number, to bytes: inout [UInt8]) {
        if number.isZero {
            bytes.append(numberZero)
            return
        }
        bytes.append(number.isNegative ? numberNegative : numberPositive)
        bytes.appendZigZag(Int64(number.exponent))
        bytes.appendVarUInt(number.coefficient)
    }

    static func appendValue(_ value: AttributeValue, to bytes: inout [UInt8]) {
        switch value {
        case .string(let string):
            bytes.append(Tag.string.rawValue)
            appendString(string, to: &bytes)
        case .number(let number):
            bytes.append(Tag.number.rawValue)
            appendNumber(number, to: &bytes)
        case .binary(let payload):
            bytes.append(Tag.binary.rawValue)
            appendBytes(payload, to: &bytes)
        case .bool(let flag):
            bytes.append(flag ? Tag.boolTrue.rawValue : Tag.boolFalse.rawValue)
        case .null:
            bytes.append(Tag.null.rawValue)
        case .list(let values):
            bytes.append(Tag.list.rawValue)
            bytes.appendVarUInt(values.count)
            for element in values { appendValue(element, to: &bytes) }
        case .map(let values):
            bytes.append(Tag.map.rawValue)
            bytes.appendVarUInt(values.count)
            for (name, element) in sortedByName(values) {
                appendString(name, to: &bytes)
                appendValue(element, to: &bytes)
            }
        case .stringSet(let values):
            bytes.append(Tag.stringSet.rawValue)
            bytes.appendVarUInt(values.count)
            for element in ByteOrder.sortedStrings(values) { appendString(element, to: &bytes) }
        case .numberSet(let values):
            bytes.append(Tag.numberSet.rawValue)
            bytes.appendVarUInt(values.count)
            for element in values.sorted() { appendNumber(element, to: &bytes) }
        case .binarySet(let values):
            bytes.append(Tag.binarySet.rawValue)
            bytes.appendVarUInt(values.count)
            for element in ByteOrder.sortedBytes(values) { appendBytes(element, to: &bytes) }
        }
    }

    // MARK: - Decoding

    /// Decodes a whole item.
    ///
    /// - Throws: `TernError` `.corruption` for malformed bytes.
    package static func decode(_ bytes: [UInt8]) throws -> Item {
        try bytes.withUnsafeBufferPointer { buffer in try decode(buffer, selection: nil) }
    }

    /// Decodes only the top-level attributes named in `names`, skipping the others without decoding
    /// them (a projection's first step). Names absent from the item are absent from the result.
    package static func decode(_ bytes: [UInt8], attributes names: Set<String>) throws -> Item {
        try decode(bytes, selection: AttributeSelection(names))
    }

    /// Like `decode(_:attributes:)` with the names prepared once (build the selection once per
    /// query, not per item).
    package static func decode(_ bytes: [UInt8], selection: AttributeSelection) throws -> Item {
        try bytes.withUnsafeBufferPointer { buffer in try decode(buffer, selection: selection) }
    }

    /// A set of top-level attribute names prepared for `decode(_:selection:)`: their UTF-8 bytes,
    /// compared against stored names without creating strings for the attributes skipped.
    package struct AttributeSelection: Sendable {
        let names: [[UInt8]]
        /// The names as strings, parallel to `names`: a matched attribute reuses the caller's
        /// string instead of validating and copying the stored bytes again.
        let strings: [String]

        /// The selection of `names`.
        package init(_ names: some Sequence<String>) {
            var seen: Set<[UInt8]> = []
            var bytes: [[UInt8]] = []
            var strings: [String] = []
            for name in names where seen.insert(Array(name.utf8)).inserted {
                bytes.append(Array(name.utf8))
                strings.append(name)
            }
            self.names = bytes
            self.strings = strings
        }

        func contains(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
            match(name) != nil
        }

        /// The selected name equal to `name`, or nil.
        func match(_ name: UnsafeBufferPointer<UInt8>) -> String? {
            for index in names.indices {
                let candidate = names[index]
                if candidate.count == name.count, candidate.withUnsafeBufferPointer({ ByteOrder.compareBuffers($0, name) == 0 }) {
                    return strings[index]
                }
            }
            return nil
        }
    }

    /// Decodes one top-level attribute, or returns `nil` when the item has none of that name.
    package static func value(named name: String, in bytes: [UInt8]) throws -> AttributeValue? {
        try decode(bytes, attributes: [name])[name]
    }

    /// Decodes from borrowed bytes; `selection` limits the top-level attributes decoded (nil: all).
    package static func decode(_ buffer: UnsafeBufferPointer<UInt8>, selection: AttributeSelection?) throws -> Item {
        var reader = ByteReader(buffer, format: "item codec")
        let version = try reader.readByte()
        guard version == formatVersion else { throw reader.corruption("unknown item format version \(version)", at: 0) }
        let count = try reader.readCount()
        var item: Item = [:]
        item.reserveCapacity(selection.map { Swift.min($0.names.count, count) } ?? count)
        var previousName: UnsafeBufferPointer<UInt8>?
        for _ in 0..<count {
            let nameStart = reader.offset
            let nameBytes = try reader.readSlice(try reader.readCount())
            if let previousName, ByteOrder.compareBuffers(previousName, nameBytes) >= 0 {
                throw reader.corruption("attribute names out of order or repeated", at: nameStart)
            }
            previousName = nameBytes
            let valueLength = try reader.readCount()
            let name: String
            if let selection {
                // A selected name equals one of the selection's strings, so it is valid UTF-8.
                guard let matched = selection.match(nameBytes) else {
                    try reader.skip(valueLength)
                    continue
                }
                name = matched
            } else {
                guard UTF8Check.isValid(nameBytes) else { throw reader.corruption("string is not valid UTF-8", at: nameStart) }
                name = String(decoding: nameBytes, as: UTF8.self)
            }
            let valueStart = reader.offset
            var valueReader = ByteReader(try reader.readSlice(valueLength), format: "item codec")
            let value: AttributeValue
            do {
                value = try readValue(&valueReader, depth: 0)
            } catch let error as TernError {
                throw TernError(error.code, error.message, offset: valueStart + (error.offset ?? 0))
            }
            guard valueReader.isAtEnd else {
                throw reader.corruption("attribute value shorter than its length", at: valueStart + valueReader.offset)
            }
            item[name] = value
        }
        guard reader.isAtEnd else { throw reader.corruption("\(reader.remaining) bytes after the last attribute") }
        return item
    }
}
