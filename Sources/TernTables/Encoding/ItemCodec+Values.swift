import TernEngine

extension ItemCodec {
    /// Reads one value. `depth` counts enclosing lists and maps; more than
    /// `AttributeValue.maxNestingDepth` is corruption (and bounds the recursion).
    static func readValue(_ reader: inout ByteReader, depth: Int) throws -> AttributeValue {
        let tagOffset = reader.offset
        let rawTag = try reader.readByte()
        guard let tag = Tag(rawValue: rawTag) else { throw reader.corruption("unknown value tag \(rawTag)", at: tagOffset) }
        switch tag {
        case .string:
            return .string(try readString(&reader))
        case .number:
            return .number(try readNumber(&reader))
        case .binary:
            return .binary(Array(try reader.readSlice(try reader.readCount())))
        case .boolFalse:
            return .bool(false)
        case .boolTrue:
            return .bool(true)
        case .null:
            return .null
        case .list:
            guard depth < AttributeValue.maxNestingDepth else { throw reader.corruption("nesting too deep", at: tagOffset) }
            let count = try reader.readCount()
            var values: [AttributeValue] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try readValue(&reader, depth: depth + 1)) }
            return .list(values)
        case .map:
            guard depth < AttributeValue.maxNestingDepth else { throw reader.corruption("nesting too deep", at: tagOffset) }
            let count = try reader.readCount()
            var values: [String: AttributeValue] = [:]
            values.reserveCapacity(count)
            var previous: String?
            for _ in 0..<count {
                let nameOffset = reader.offset
                let name = try readString(&reader)
                if let previous, ByteOrder.compare(previous, name) >= 0 {
                    throw reader.corruption("map keys out of order or repeated", at: nameOffset)
                }
                previous = name
                values[name] = try readValue(&reader, depth: depth + 1)
            }
            return .map(values)
        case .stringSet:
            let count = try readSetCount(&reader, at: tagOffset)
            var values: [String] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                let elementOffset = reader.offset
                let element = try readString(&reader)
                if let last = values.last, ByteOrder.compare(last, element) >= 0 {
                    throw reader.corruption("set elements out of order or repeated", at: elementOffset)
                }
                values.append(element)
            }
            return .stringSet(values)
        case .numberSet:
            let count = try readSetCount(&reader, at: tagOffset)
            var values: [Number] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                let elementOffset = reader.offset
                let element = try readNumber(&reader)
                if let last = values.last, !(last < element) {
                    throw reader.corruption("set elements out of order or repeated", at: elementOffset)
                }
                values.append(element)
            }
            return .numberSet(values)
        case .binarySet:
            let count = try readSetCount(&reader, at: tagOffset)
            var values: [[UInt8]] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                let elementOffset = reader.offset
                let element = Array(try reader.readSlice(try reader.readCount()))
                if let last = values.last, ByteOrder.compare(last, element) >= 0 {
                    throw reader.corruption("set elements out of order or repeated", at: elementOffset)
                }
                values.append(element)
            }
            return .binarySet(values)
        }
    }

    private static func readSetCount(_ reader: inout ByteReader, at offset: Int) throws -> Int {
        let count = try reader.readCount()
        guard count > 0 else { throw reader.corruption("empty set", at: offset) }
        return count
    }

    private static func readString(_ reader: inout ByteReader) throws -> String {
        try reader.readString(try reader.readCount())
    }

    private static func readNumber(_ reader: inout ByteReader) throws -> Number {
        let offset = reader.offset
        let head = try reader.readByte()
        switch head {
        case numberZero:
            return .zero
        case numberPositive, numberNegative:
            let exponent = try reader.readZigZag()
            let coefficient = try reader.readVarUInt128()
            guard exponent >= -1000, exponent <= 1000,
                let number = Number(coefficient: coefficient, exponent: Int(exponent), isNegative: head == numberNegative)
            else {
                throw reader.corruption("non-canonical or out-of-range number", at: offset)
            }
            return number
        default:
            throw reader.corruption("unknown number head \(head)", at: offset)
        }
    }
}
