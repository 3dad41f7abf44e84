/// A request's `ExpressionAttributeNames` and `ExpressionAttributeValues`, plus which of them the
/// request's expressions used.
///
/// DynamoDB rejects a request whose expressions leave a name or value unused, counting all the
/// expressions of the request together (e.g. an UpdateExpression and a ConditionExpression). So
/// parse every expression of a request with the same `ExpressionAttributes` (the parsers take it
/// `inout` and record what they use), then call `checkAllUsed()` once.
package struct ExpressionAttributes: Sendable {
    /// `#placeholder` → attribute name.
    package let names: [String: String]
    /// `:placeholder` → value.
    package let values: [String: AttributeValue]
    /// The placeholders of `names` used so far.
    package private(set) var usedNames: Set<String> = []
    /// The placeholders of `values` used so far.
    package private(set) var usedValues: Set<String> = []

    /// No names and no values (a request without the parameters).
    package static let none = ExpressionAttributes(checkedNames: [:], values: [:])

    private init(checkedNames names: [String: String], values: [String: AttributeValue]) {
        self.names = names
        self.values = values
    }

    /// Validates the parameters as DynamoDB does.
    ///
    /// - Parameters:
    ///   - names: `ExpressionAttributeNames`, or nil when the request has none.
    ///   - values: `ExpressionAttributeValues`, or nil when the request has none.
    /// - Throws: `ValidationException` for a present but empty map, a key that is not `#` or `:`
    ///   followed by letters, digits or underscores, or an invalid value (an empty set, ...).
    package init(names: [String: String]? = nil, values: [String: AttributeValue]? = nil) throws(DynamoError) {
        if let names {
            if names.isEmpty { throw .validation("ExpressionAttributeNames must not be empty") }
            for key in names.keys where !ExpressionAttributes.isPlaceholder(key, sigil: UInt8(ascii: "#")) {
                throw .validation("ExpressionAttributeNames contains invalid key: Syntax error; key: \"\(key)\"")
            }
        }
        if let values {
            if values.isEmpty { throw .validation("ExpressionAttributeValues must not be empty") }
            for (key, value) in values {
                guard ExpressionAttributes.isPlaceholder(key, sigil: UInt8(ascii: ":")) else {
                    throw .validation("ExpressionAttributeValues contains invalid key: Syntax error; key: \"\(key)\"")
                }
                do {
                    try value.validate()
                } catch {
                    throw .validation("ExpressionAttributeValues contains invalid value: \(error.message) for key \(key)")
                }
            }
        }
        self.init(checkedNames: names ?? [:], values: values ?? [:])
    }

    /// True when `key` is the sigil followed by one or more letters, digits or underscores.
    static func isPlaceholder(_ key: String, sigil: UInt8) -> Bool {
        var bytes = key.utf8.makeIterator()
        guard bytes.next() == sigil else { return false }
        var count = 0
        while let byte = bytes.next() {
            guard Tokenizer.isPlaceholderByte(byte) else { return false }
            count += 1
        }
        return count > 0
    }

    mutating func useName(_ placeholder: String) -> String? {
        guard let name = names[placeholder] else { return nil }
        usedNames.insert(placeholder)
        return name
    }

    mutating func useValue(_ placeholder: String) -> AttributeValue? {
        guard let value = values[placeholder] else { return nil }
        usedValues.insert(placeholder)
        return value
    }

    /// Checks that every name and value was used by some expression of the request.
    ///
    /// - Throws: `ValidationException` "Value provided in ExpressionAttributeNames unused in
    ///   expressions: keys: {#a, #b}" (names are checked before values; keys listed in byte order).
    package func checkAllUsed() throws(DynamoError) {
        let unusedNames = names.keys.filter { !usedNames.contains($0) }
        if !unusedNames.isEmpty {
            throw .validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {\(ByteOrder.sortedStrings(unusedNames).joined(separator: ", "))}")
        }
        let unusedValues = values.keys.filter { !usedValues.contains($0) }
        if !unusedValues.isEmpty {
            throw .validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {\(ByteOrder.sortedStrings(unusedValues).joined(separator: ", "))}")
        }
    }
}
