/// A 64-bit FNV-1a digest of a store's contents (every key and value, in key order), so a child
/// process can report what it read in one line and the parent can compare it with a model.
public struct StoreDigest: Sendable, Equatable, CustomStringConvertible {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    public private(set) var count = 0

    public init() {}

    /// Digests `entries` (in key order).
    public init(_ entries: some Sequence<(key: [UInt8], value: [UInt8])>) {
        for (key, value) in entries { add(key: key, value: value) }
    }

    public mutating func add(key: some Collection<UInt8>, value: some Collection<UInt8>) {
        mix(length: key.count)
        for byte in key { mix(byte) }
        mix(length: value.count)
        for byte in value { mix(byte) }
        count += 1
    }

    private mutating func mix(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    private mutating func mix(length: Int) {
        for shift in stride(from: 0, to: 32, by: 8) { mix(UInt8(truncatingIfNeeded: length >> shift)) }
    }

    public var description: String { "\(count):\(String(value, radix: 16))" }
}
