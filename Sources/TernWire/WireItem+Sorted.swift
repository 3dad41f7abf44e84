import TernTables

extension WireItem {
    /// `item` as DynamoDB JSON text (as `encodeString`) with attribute names in UTF-8 byte
    /// order at every level of maps, so equal items print alike: what `tern get` and `tern scan`
    /// print, one item a line. Set elements keep their stored order.
    public static func encodeSortedString(_ item: Item) -> String {
        var writer = JSONWriter()
        writer.sortedItem(item)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension JSONWriter {
    /// Writes `item` with its names sorted (see `WireItem.encodeSortedString`).
    mutating func sortedItem(_ item: Item) {
        beginObject()
        for name in item.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            key(name)
            sortedAttributeValue(item[name]!)
        }
        endObject()
    }

    private mutating func sortedAttributeValue(_ value: AttributeValue) {
        switch value {
        case .map(let members):
            beginObject()
            key("M")
            sortedItem(members)
            endObject()
        case .list(let elements):
            beginObject()
            key("L")
            beginArray()
            for element in elements { sortedAttributeValue(element) }
            endArray()
            endObject()
        default:
            attributeValue(value)
        }
    }
}
