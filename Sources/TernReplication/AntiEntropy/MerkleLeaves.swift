import TernTables

/// The leaves of a table's Merkle tree: versions bucketed by a hash of their key (so the
/// buckets partition the key space into ranges of the hash, as Cassandra's token ranges do),
/// each leaf the wrapping sum of its versions' hashes (order-free, so one walk of the table in
/// key order fills every leaf). Two replicas whose leaves agree hold the same versions in that
/// range; a leaf that differs names the keys to compare.
///
/// Built at the finest resolution (2^16 leaves) and folded to fewer, so one walk serves any leaf
/// count the two sides agree on.
struct MerkleLeaves {
    static let maxBits = 16
    private(set) var leaves = [UInt64](repeating: 0, count: 1 << maxBits)
    private(set) var count = 0

    /// About eight versions a leaf, between 16 and 65,536 leaves.
    static func bits(forVersions count: Int) -> Int {
        var bits = 4
        while bits < maxBits && (1 << bits) * 8 < count { bits += 1 }
        return bits
    }

    /// The leaf of `key` among `1 << bits` leaves.
    static func leaf(of key: [UInt8], bits: Int) -> Int {
        Int(truncatingIfNeeded: mix(fnv(key, seed: 0xCBF2_9CE4_8422_2325)) >> UInt64(64 - bits))
    }

    mutating func add(_ version: StoredVersion) {
        leaves[Self.leaf(of: version.key, bits: Self.maxBits)] &+= Self.hash(version)
        count += 1
    }

    /// The leaves folded to `1 << bits` (each the sum of the finest leaves it covers).
    func folded(bits: Int) -> [UInt64] {
        let width = 1 << (Self.maxBits - bits)
        return (0..<(1 << bits)).map { index in leaves[(index * width)..<((index + 1) * width)].reduce(0, &+) }
    }

    /// The hash of one version: key, stamp, tombstone or not, and the item's bytes (bit rot in
    /// an item shows as a difference).
    static func hash(_ version: StoredVersion) -> UInt64 {
        var hash = fnv(version.key, seed: 0x9E37_79B9_7F4A_7C15)
        var stamp: [UInt8] = []
        stamp.appendUInt64(version.stamp.time.rawValue)
        stamp.append(contentsOf: version.stamp.region.name.utf8)
        stamp.append(version.isTombstone ? 1 : 0)
        hash = fnv(stamp, seed: hash)
        if let item = version.item { hash = fnv(item, seed: hash) }
        return mix(hash)
    }

    private static func fnv(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What one anti-entropy session between this region and a peer found and fixed in one table.
public struct AntiEntropyReport: Sendable, Hashable, CustomStringConvertible {
    public var peer: RegionID
    public var tableName: String
    /// Versions this region holds in the table.
    public var versions = 0
    public var leaves = 0
    public var leavesDiffering = 0
    /// Keys compared one by one (both sides' versions in the differing leaves).
    public var keysCompared = 0
    /// This region's newer versions the peer applied, and the peer's newer versions applied here.
    public var pushed = 0
    public var pulled = 0
    /// Why the session did not run (the peer does not hold the table yet, say).
    public var refusal: String?
    public var duration: Duration = .zero

    public init(peer: RegionID, tableName: String) {
        self.peer = peer
        self.tableName = tableName
    }

    public var description: String {
        if let refusal { return "\(tableName) with \(peer): not compared (\(refusal))" }
        return "\(tableName) with \(peer): \(versions) versions in \(leaves) leaves, \(leavesDiffering) differing, "
            + "\(keysCompared) keys compared, \(pushed) pushed, \(pulled) pulled, in \(duration)"
    }
}
