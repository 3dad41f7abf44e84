/// Readable text for values, keys and items: DynamoDB's JSON notation (`{"S":"ada"}`,
/// `{"N":"36"}`, `{"M":{...}}`), so `print(item)` shows what DynamoDB's console and CLI would.
///
/// Map entries are sorted by name (UTF-8 byte order) so equal values print alike; set elements
/// keep their stored order; binaries are base64. This is text for people (logs, debugging,
/// test failures); the wire codec of the DynamoDB API is a separate module.
extension AttributeValue: CustomStringConvertible, CustomDebugStringConvertible {
    /// DynamoDB-JSON text of the value, e.g. `{"L":[{"S":"a"},{"N":"1"}]}`.
    public var description: String {
        var text = ""
        write(to: &text)
        return text
    }

    /// The same as `description` (so `print` of an `Item`, a dictionary, shows it too).
    public var debugDescription: String { description }

    private func write(to text: inout String) {
        switch self {
        case .string(let value):
            text += "{\"S\":"
            JSONText.appendString(value, to: &text)
            text += "}"
        case .number(let value):
            text += "{\"N\":\"\(value)\"}"
        case .binary(let value):
            text += "{\"B\":\""
            text += Base64.encode(value)
            text += "\"}"
        case .bool(let value):
            text += value ? "{\"BOOL\":true}" : "{\"BOOL\":false}"
        case .null:
            text += "{\"NULL\":true}"
        case .list(let values):
            text += "{\"L\":["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                value.write(to: &text)
            }
            text += "]}"
        case .map(let values):
            text += "{\"M\":"
            AttributeValue.writeMap(values, to: &text)
            text += "}"
        case .stringSet(let values):
            text += "{\"SS\":["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                JSONText.appendString(value, to: &text)
            }
            text += "]}"
        case .numberSet(let values):
            text += "{\"NS\":[" + values.map { "\"\($0)\"" }.joined(separator: ",") + "]}"
        case .binarySet(let values):
            text += "{\"BS\":[" + values.map { "\"\(Base64.encode($0))\"" }.joined(separator: ",") + "]}"
        }
    }

    /// `{"name":<value>,...}` with names in UTF-8 byte order.
    private static func writeMap(_ values: [String: AttributeValue], to text: inout String) {
        text += "{"
        for (index, name) in ByteOrder.sortedStrings(Array(values.keys)).enumerated() {
            if index > 0 { text += "," }
            JSONText.appendString(name, to: &text)
            text += ":"
            values[name]!.write(to: &text)
        }
        text += "}"
    }

    /// An item as DynamoDB-JSON text with its attributes sorted by name:
    /// `{"age":{"N":"36"},"email":{"S":"ada@example.com"}}`.
    public static func describe(_ item: Item) -> String {
        var text = ""
        writeMap(item, to: &text)
        return text
    }
}

extension KeyValue: CustomStringConvertible {
    /// DynamoDB-JSON text of the key value, e.g. `{"S":"ada"}`.
    public var description: String { attributeValue.description }
}

/// JSON string literals.
enum JSONText {
    /// Appends `value` as a JSON string literal: quoted, with `"`, `\` and control characters
    /// escaped.
    static func appendString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}

/// Standard base64 (RFC 4648, with padding), as DynamoDB's JSON carries binaries.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let first = bytes[index]
            let second = index + 1 < bytes.count ? bytes[index + 1] : 0
            let third = index + 2 < bytes.count ? bytes[index + 2] : 0
            output.append(alphabet[Int(first >> 2)])
            output.append(alphabet[Int((first & 0x03) << 4 | second >> 4)])
            output.append(index + 1 < bytes.count ? alphabet[Int((second & 0x0F) << 2 | third >> 6)] : UInt8(ascii: "="))
            output.append(index + 2 < bytes.count ? alphabet[Int(third & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
