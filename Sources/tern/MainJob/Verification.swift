import TernTables

/// What the main job checks at the end, and the tools for it.
enum Verification {
    /// A digest of a table's contents: every item (attributes sorted) in key order, FNV-1a 64.
    struct TableDigest: Equatable, CustomStringConvertible {
        var items = 0
        var value: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func add(_ text: String) {
            for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            items += 1
        }

        var description: String {
            let hex = String(value, radix: 16)
            return "\(items) items, digest \(String(repeating: "0", count: 16 - hex.count))\(hex)"
        }
    }

    /// Every item of `table`, scanned page by page (the order is the store's key order, the same
    /// on every replica). `exclude`: attribute names left out of the digest (bookkeeping a region
    /// writes for itself).
    static func digest(_ tables: TableStore, table: String) throws -> TableDigest {
        var digest = TableDigest()
        var lines: [String] = []
        var start: Item?
        repeat {
            let page = try tables.scan(ScanRequest(tableName: table, limit: 1000, exclusiveStartKey: start))
            for item in page.items { lines.append(AttributeValue.describe(item)) }
            start = page.lastEvaluatedKey
        } while start != nil
        // Sorted text: independent of how the scan's segments are laid out.
        for line in lines.sorted() { digest.add(line) }
        return digest
    }

    /// The acknowledged writes of a global table against its final contents in one replica:
    /// each written item is present with one of its writes' tokens (`present`); the other
    /// acknowledged writes to it were overwritten by a later write (`overwritten`, last-writer
    /// wins); `lost` writes (an item absent, or carrying a token nobody acknowledged) are the
    /// failures.
    static func checkAcknowledged(
        _ writes: [String: [String]], in tables: TableStore, table: String, key: (String) -> Item,
        excluded: (String) -> Bool = { _ in false }
    ) throws -> (present: Int, overwritten: Int, lost: [String]) {
        var present = 0
        var overwritten = 0
        var lost: [String] = []
        for (name, tokens) in writes where !excluded(name) {
            let item = try tables.getItem(GetItemRequest(tableName: table, key: key(name))).item
            let token: String?
            switch table {
            case "Users":
                if case .string(let bio)? = item?["bio"], bio.hasPrefix("bio ") { token = String(bio.dropFirst(4)) } else { token = nil }
            default:
                if case .string(let value)? = item?["token"] { token = value } else { token = nil }
            }
            if let token, tokens.contains(token) {
                present += 1
                overwritten += tokens.count - 1
            } else {
                lost.append("\(table) \(name): \(token.map { "holds \($0)" } ?? "absent"), acknowledged \(tokens.suffix(3))")
            }
        }
        return (present, overwritten, lost)
    }
}
