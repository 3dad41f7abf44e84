import TernEngine

/// One operation of a write batch, as tests describe it.
public enum ModelOperation: Sendable, Equatable {
    case put([UInt8], [UInt8])
    case delete([UInt8])
}

/// The reference a store is checked against: a plain dictionary, sorted on demand.
public struct KeyValueModel: Sendable, Equatable {
    public private(set) var entries: [[UInt8]: [UInt8]] = [:]

    public init() {}

    public mutating func apply(_ operations: [ModelOperation]) {
        for operation in operations {
            switch operation {
            case .put(let key, let value): entries[key] = value
            case .delete(let key): entries[key] = nil
            }
        }
    }

    public func get(_ key: [UInt8]) -> [UInt8]? { entries[key] }

    /// The entries in `[lowerBound, upperBound)` in key order (or reversed).
    public func scan(lowerBound: [UInt8]? = nil, upperBound: [UInt8]? = nil, reverse: Bool = false) -> [(key: [UInt8], value: [UInt8])] {
        let selected = entries.filter { key, _ in
            (lowerBound.map { !key.lexicographicallyPrecedes($0) } ?? true)
                && (upperBound.map { key.lexicographicallyPrecedes($0) } ?? true)
        }
        let sorted = selected.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { (key: $0.key, value: $0.value) }
        return reverse ? sorted.reversed() : sorted
    }
}

extension WriteBatch {
    /// A batch holding `operations` in order.
    public init(_ operations: [ModelOperation]) {
        self.init()
        for operation in operations {
            switch operation {
            case .put(let key, let value): put(key, value)
            case .delete(let key): delete(key)
            }
        }
    }
}

/// The deterministic workload of the crash tests: batch `index` of a run seeded with `seed`
/// writes a marker (`"~batch"` = index) and a few puts and deletes over a small key space, so a
/// recovered store reveals which prefix of batches it holds.
public enum CrashWorkload {
    public static let markerKey = Array("~batch".utf8)

    public static func operations(seed: UInt64, index: Int) -> [ModelOperation] {
        var generator = SeededGenerator(seed: seed &* 1_000_003 &+ UInt64(index))
        var operations: [ModelOperation] = [.put(markerKey, Array(String(index).utf8))]
        for _ in 0..<Int.random(in: 1...6, using: &generator) {
            let key = Array("key\(Int.random(in: 0..<400, using: &generator))".utf8)
            if Int.random(in: 0..<5, using: &generator) == 0 {
                operations.append(.delete(key))
            } else {
                let size = Int.random(in: 0...(Int.random(in: 0..<10, using: &generator) == 0 ? 3000 : 120), using: &generator)
                let value = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: size)
                operations.append(.put(key, Array("\(index):".utf8) + value))
            }
        }
        return operations
    }

    /// The index of the last batch a recovered state holds (-1 when no batch survived).
    public static func recoveredIndex(_ marker: [UInt8]?) -> Int {
        marker.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? -1
    }
}

/// The first difference between two entry lists, described briefly (nil when equal), so a
/// failing test prints one line instead of two whole lists.
public func firstDifference(
    _ got: [(key: [UInt8], value: [UInt8])], _ expected: [(key: [UInt8], value: [UInt8])]
) -> String? {
    func show(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(24), as: UTF8.self)
        return bytes.count > 24 ? text + "…(\(bytes.count) bytes)" : text
    }
    for index in 0..<min(got.count, expected.count) {
        if got[index].key != expected[index].key {
            return "entry \(index): key \(show(got[index].key)), expected \(show(expected[index].key))"
        }
        if got[index].value != expected[index].value {
            return "entry \(index) (\(show(got[index].key))): value differs (\(got[index].value.count) vs \(expected[index].value.count) bytes)"
        }
    }
    if got.count != expected.count { return "\(got.count) entries, expected \(expected.count)" }
    return nil
}
