/// The item workloads' engines.
enum TablesEngineKind: String, CaseIterable, Codable, Sendable {
    /// `TernTables.TableStore` with the OITH schemas.
    case tern
    /// SQLite holding the same tables and indexes.
    case sqlite
}

/// Settings both engines get (printed with every run).
struct TablesSettings: Sendable, Codable {
    /// Tern's memtable budget; added to SQLite's page cache.
    var writeBufferBytes: Int
    /// Tern's block cache; added to SQLite's page cache.
    var blockCacheBytes: Int
    /// SQLite's geohash index also holds the match-card columns (a covering index, like Tern's
    /// geohash index, which stores its projection).
    var sqliteCoveringIndex: Bool
    /// Tern's SSTable block compression (LZ4 by default; `none` shows what decompression costs).
    var ternCompressesBlocks: Bool
}

/// How durable a write must be when the call returns.
enum WriteDurability: String, Codable, Sendable {
    /// Tern `.buffered` (in the kernel's page cache: survives a process crash, not a power cut);
    /// SQLite `synchronous=NORMAL` in WAL mode (the same promise).
    case buffered
    /// Tern `.synced` (WAL fsynced); SQLite `synchronous=FULL` (WAL fsynced at every commit).
    case synced
}

/// The matching query: everyone within `radiusKilometers` of a point whose age is in
/// `ageLow...ageHigh`, five fields, the first `limit` found, nearest geohash cells first.
struct MatchQuery: Sendable {
    var latitude: Double
    var longitude: Double
    var radiusKilometers: Double
    var ageLow: Int
    var ageHigh: Int
    var limit: Int
}

/// What one matching query did.
struct MatchOutcome {
    /// Index entries (Tern) or rows (SQLite) read: the items evaluated.
    var evaluated = 0
    /// Items within the radius handed to the application.
    var returned = 0
    /// Order-sensitive hash of the returned e-mails: both engines must agree.
    var digest: UInt64 = 0
}

/// What one page of a conversation's latest messages held.
struct PageOutcome {
    var count = 0
    /// Whether the message ids came newest first, strictly.
    var descending = true
    /// Order-sensitive hash of the message ids: both engines must agree.
    var digest: UInt64 = 0
}

/// The parts of a user that reads check.
struct UserReadback {
    var email: String
    var age: Int
    /// `visits` (0 when absent: never updated).
    var visits: Int
    /// Attributes (Tern) or non-null columns (SQLite) delivered to the application.
    var fields: Int
}

/// One engine holding the OITH Users and Messages tables. Every method is one application-level
/// operation as an application would issue it through the engine's own API: Tern's
/// DynamoDB-shaped requests, SQLite's prepared statements (prepared once, bound, stepped, reset).
///
/// Thread safety: single-threaded; the benchmark calls it from one thread.
protocol TablesDriver: AnyObject, SendableMetatype {
    /// Opens a new, empty database in `directory`.
    static func open(directory: String, settings: TablesSettings) throws -> Self

    /// The library, its version and its settings, in one line.
    var configurationSummary: String { get }

    /// Creates Users (with its geohash/age index) and Messages.
    func createTables() throws

    /// Writes users as one atomic unit (Tern: BatchWriteItem; SQLite: one transaction), buffered.
    func loadUsers(_ users: [SyntheticUser]) throws

    /// Writes messages as one atomic unit, buffered.
    func loadMessages(_ messages: [SyntheticMessage]) throws

    /// Makes everything loaded durable and lets background work finish (Tern: sync, wait for
    /// compactions; SQLite: checkpoint the WAL), so that measurements start from a settled store.
    func settle() throws

    /// PutItem: stores a whole user, replacing any with its e-mail, and its index entry.
    func putUser(_ user: SyntheticUser, durability: WriteDurability) throws

    /// GetItem: the whole user, or nil.
    func getUser(email: String) throws -> UserReadback?

    /// UpdateItem `SET lastActive = :t ADD visits :one`.
    func touchUser(email: String, lastActive: Int) throws

    /// Query: the conversation's latest `limit` messages, newest first, whole items.
    func latestMessages(conversationId: String, limit: Int) throws -> PageOutcome

    /// The matching query, evaluated over the geohash cells the circle touches.
    func match(_ query: MatchQuery) throws -> MatchOutcome

    /// Engine statistics worth printing after the run (Tern: files per level, block cache hits),
    /// one line; empty when there are none.
    var statisticsSummary: String { get }

    /// A handle for another thread, usable concurrently with this one and other workers (Tern:
    /// the same store, whose API is thread-safe; SQLite: a connection of its own to the same
    /// database, as a multi-threaded application opens them). Closed with `closeWorker`.
    func makeWorker() throws -> Self

    /// Releases what `makeWorker` opened (nothing for Tern).
    func closeWorker() throws

    /// Closes the database.
    func close() throws
}

/// FNV-1a over a string's UTF-8 bytes, folded into `digest` (order-sensitive).
@inline(__always)
func foldDigest(_ digest: UInt64, _ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return (digest &* 0x9E37_79B9_7F4A_7C15) ^ hash
}
