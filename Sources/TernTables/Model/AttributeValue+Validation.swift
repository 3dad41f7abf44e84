extension AttributeValue {
    /// DynamoDB's item size limit: 400 KB, counting attribute names and values.
    public static let maxItemSizeBytes = 400 * 1024
    /// The deepest nesting of lists and maps: a top-level `L` or `M` is level 1.
    public static let maxNestingDepth = 32

    /// Checks DynamoDB's rules for one value: sets are non-empty and hold no duplicates (numbers
    /// compare by value, strings by bytes), and lists and maps nest at most 32 levels.
    ///
    /// - Throws: `ValidationException` with DynamoDB's wording.
    public func validate() throws(DynamoError) {
        try validate(depth: 0)
    }

    private func validate(depth: Int) throws(DynamoError) {
        switch self {
        case .string, .number, .binary, .bool, .null:
            return
        case .list(let values):
            guard depth < AttributeValue.maxNestingDepth else { throw AttributeValue.nestingError }
            for value in values { try value.validate(depth: depth + 1) }
        case .map(let values):
            guard depth < AttributeValue.maxNestingDepth else { throw AttributeValue.nestingError }
            for value in values.values { try value.validate(depth: depth + 1) }
        case .stringSet(let values):
            if values.isEmpty { throw .validation("One or more parameter values were invalid: An string set  may not be empty") }
            let sorted = ByteOrder.sortedStrings(values)
            for index in sorted.indices.dropFirst() where ByteOrder.equal(sorted[index - 1], sorted[index]) {
                throw AttributeValue.duplicatesError(values.map { $0 })
            }
        case .numberSet(let values):
            if values.isEmpty { throw .validation("One or more parameter values were invalid: An number set  may not be empty") }
            let sorted = values.sorted()
            for index in sorted.indices.dropFirst() where sorted[index - 1] == sorted[index] {
                throw AttributeValue.duplicatesError(values.map(\.description))
            }
        case .binarySet(let values):
            if values.isEmpty { throw .validation("One or more parameter values were invalid: Binary sets should not be empty") }
            let sorted = ByteOrder.sortedBytes(values)
            for index in sorted.indices.dropFirst() where sorted[index - 1] == sorted[index] {
                throw AttributeValue.duplicatesError(values.map(hexString))
            }
        }
    }

    static let nestingError = DynamoError.validation(
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit")

    private static func duplicatesError(_ elements: [String]) -> DynamoError {
        .validation("One or more parameter values were invalid: Input collection [\(elements.joined(separator: ", "))] contains duplicates.")
    }

    /// Validates every value of `item` and its total size.
    ///
    /// - Throws: `ValidationException`: a bad value (see `validate()`), or "Item size has exceeded
    ///   the maximum allowed size" above 400 KB.
    public static func validate(item: Item) throws(DynamoError) {
        for value in item.values { try value.validate() }
        if size(of: item) > maxItemSizeBytes {
            throw .validation("Item size has exceeded the maximum allowed size")
        }
    }

    /// The size DynamoDB charges for `item`: the UTF-8 length of every attribute name plus the size of
    /// its value.
    public static func size(of item: Item) -> Int {
        item.reduce(0) { $0 + $1.key.utf8.count + $1.value.sizeBytes }
    }

    /// The size DynamoDB charges for this value, without its name: strings by UTF-8 bytes, binaries
    /// by bytes, numbers one byte per two significant digits plus one, BOOL and NULL one byte, sets
    /// the sum of their elements, lists and maps 3 bytes plus one byte per element plus the
    /// elements (and, for maps, the element names).
    ///
    /// Computed with an explicit stack, not recursion: a value built in code may nest far deeper
    /// than the 32 levels `validate()` allows, and this must not overflow the thread's stack.
    public var sizeBytes: Int {
        // Scalars and sets (nearly every attribute) without the stack's allocation.
        switch self {
        case .string(let value): return value.utf8.count
        case .number(let value): return value.storageSizeBytes
        case .binary(let value): return value.count
        case .bool, .null: return 1
        case .stringSet(let values): return values.reduce(0) { $0 + $1.utf8.count }
        case .numberSet(let values): return values.reduce(0) { $0 + $1.storageSizeBytes }
        case .binarySet(let values): return values.reduce(0) { $0 + $1.count }
        case .list, .map: break
        }
        var total = 0
        var pending: [AttributeValue] = [self]
        while let value = pending.popLast() {
            switch value {
            case .string(let value): total += value.utf8.count
            case .number(let value): total += value.storageSizeBytes
            case .binary(let value): total += value.count
            case .bool, .null: total += 1
            case .list(let values):
                total += 3 + values.count
                pending.append(contentsOf: values)
            case .map(let values):
                total += 3
                for (name, element) in values {
                    total += name.utf8.count + 1
                    pending.append(element)
                }
            case .stringSet(let values): total += values.reduce(0) { $0 + $1.utf8.count }
            case .numberSet(let values): total += values.reduce(0) { $0 + $1.storageSizeBytes }
            case .binarySet(let values): total += values.reduce(0) { $0 + $1.count }
            }
        }
        return total
    }
}

/// Lower-case hexadecimal of `bytes`, for error messages.
func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}
