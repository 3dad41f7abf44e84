import TernTables

/// SQLite holding the same tables as Tern, in WAL mode, through prepared statements:
///
/// ```sql
/// CREATE TABLE users(email TEXT PRIMARY KEY, name, age INTEGER, gender, interestedIn, city,
///                    lat REAL, lon REAL, photoUrl, bio, interests, geohash TEXT,
///                    lastActive INTEGER, visits INTEGER) WITHOUT ROWID;
/// CREATE INDEX users_geohash_age ON users(geohash, age);      -- the geohash index
/// CREATE TABLE messages(conversationId, messageId, sender, body, sentAt INTEGER,
///                       PRIMARY KEY(conversationId, messageId)) WITHOUT ROWID;
/// ```
///
/// `WITHOUT ROWID` clusters rows by their primary key, as Tern and DynamoDB do. Sets and lists
/// (`interestedIn`, `interests`) are comma-joined text. The geohash is computed by the
/// application with Tern's `Geohash` (precision 4), as Tern derives it on write. The matching
/// query runs Tern's algorithm in the application: Tern's `GeoCovering` (the same cells in the
/// same order), one indexed range per cell, haversine check (`GeoDistance`), stop at the limit.
final class SQLiteTablesDriver: TablesDriver {
    let api: SQLiteItemAPI
    let connection: OpaquePointer
    let directory: String
    let path: String
    let settings: TablesSettings
    private var synchronousFull = false
    private var statements: Statements?
    private var queryPlan = ""

    private struct Statements {
        let begin, commit, putUser, getUser, touchUser, putMessage, latestMessages, matchCell: PreparedStatement

        init(_ api: SQLiteItemAPI, _ connection: OpaquePointer) throws {
            begin = try PreparedStatement(api, connection, "BEGIN")
            commit = try PreparedStatement(api, connection, "COMMIT")
            putUser = try PreparedStatement(
                api, connection,
                "INSERT OR REPLACE INTO users(email, name, age, gender, interestedIn, city, lat, lon, photoUrl, bio, "
                    + "interests, geohash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")
            getUser = try PreparedStatement(
                api, connection,
                "SELECT email, name, age, gender, interestedIn, city, lat, lon, photoUrl, bio, interests, geohash, "
                    + "lastActive, visits FROM users WHERE email = ?1")
            touchUser = try PreparedStatement(
                api, connection, "UPDATE users SET lastActive = ?1, visits = coalesce(visits, 0) + 1 WHERE email = ?2")
            putMessage = try PreparedStatement(
                api, connection,
                "INSERT OR REPLACE INTO messages(conversationId, messageId, sender, body, sentAt) VALUES(?1, ?2, ?3, ?4, ?5)")
            latestMessages = try PreparedStatement(
                api, connection,
                "SELECT conversationId, messageId, sender, body, sentAt FROM messages WHERE conversationId = ?1 "
                    + "ORDER BY messageId DESC LIMIT ?2")
            matchCell = try PreparedStatement(api, connection, SQLiteTablesDriver.matchCellSQL)
        }

        var all: [PreparedStatement] { [begin, commit, putUser, getUser, touchUser, putMessage, latestMessages, matchCell] }
    }

    /// One cell of the matching query, in Tern's index order (cell, age, e-mail): the index
    /// `(geohash, age)` of a WITHOUT ROWID table ends with the primary key, so no sort is needed.
    static let matchCellSQL =
        "SELECT email, name, age, gender, city, lat, lon FROM users WHERE geohash = ?1 AND age BETWEEN ?2 AND ?3 ORDER BY age, email"

    private init(directory: String, settings: TablesSettings) throws {
        api = try SQLiteItemAPI()
        try FileTree.makeDirectories(directory)
        self.directory = directory
        path = directory + "/tables.sqlite"
        self.settings = settings
        connection = try api.base.connect(path)
        try api.base.execute(connection, "PRAGMA journal_mode=WAL")
        try api.base.execute(connection, "PRAGMA synchronous=NORMAL")
        try api.base.execute(connection, "PRAGMA cache_size=-\((settings.writeBufferBytes + settings.blockCacheBytes) >> 10)")
    }

    static func open(directory: String, settings: TablesSettings) throws -> SQLiteTablesDriver {
        try SQLiteTablesDriver(directory: directory, settings: settings)
    }

    var configurationSummary: String {
        "SQLite \(api.base.version) \(api.base.library.path): WAL, synchronous=NORMAL (FULL for putitem-synced), "
            + "cache_size \((settings.writeBufferBytes + settings.blockCacheBytes) >> 20) MiB, WITHOUT ROWID tables, "
            + "index users(\(SQLiteTablesDriver.indexColumns(settings).joined(separator: ", "))), "
            + "prepared statements, one transaction per write; matching plan: \(queryPlan)"
    }

    static func indexColumns(_ settings: TablesSettings) -> [String] {
        settings.sqliteCoveringIndex ? ["geohash", "age", "lat", "lon", "name", "gender", "city"] : ["geohash", "age"]
    }

    func createTables() throws {
        try api.base.execute(
            connection,
            "CREATE TABLE users(email TEXT PRIMARY KEY NOT NULL, name TEXT, age INTEGER, gender TEXT, interestedIn TEXT, "
                + "city TEXT, lat REAL, lon REAL, photoUrl TEXT, bio TEXT, interests TEXT, geohash TEXT, "
                + "lastActive INTEGER, visits INTEGER) WITHOUT ROWID")
        try api.base.execute(
            connection, "CREATE INDEX users_geohash_age ON users(\(SQLiteTablesDriver.indexColumns(settings).joined(separator: ", ")))")
        try api.base.execute(
            connection,
            "CREATE TABLE messages(conversationId TEXT NOT NULL, messageId TEXT NOT NULL, sender TEXT, body TEXT, "
                + "sentAt INTEGER, PRIMARY KEY(conversationId, messageId)) WITHOUT ROWID")
        statements = try Statements(api, connection)
        queryPlan = try explain(SQLiteTablesDriver.matchCellSQL)
    }

    /// The `detail` lines of `EXPLAIN QUERY PLAN`, joined (shows whether the index is used and
    /// whether a sort is added).
    private func explain(_ sql: String) throws -> String {
        let statement = try PreparedStatement(api, connection, "EXPLAIN QUERY PLAN " + sql)
        defer { statement.finalize() }
        var lines: [String] = []
        while try statement.step() { lines.append(statement.text(3)) }
        return lines.joined(separator: "; ")
    }

    private func prepared() throws -> Statements {
        guard let statements else { throw BenchError("SQLite: tables not created") }
        return statements
    }

    private func setDurability(_ durability: WriteDurability) throws {
        let full = durability == .synced
        guard full != synchronousFull else { return }
        try api.base.execute(connection, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")
        synchronousFull = full
    }

    private func bindUser(_ statement: PreparedStatement, _ user: SyntheticUser) {
        statement.bind(1, user.email)
        statement.bind(2, user.name)
        statement.bind(3, user.age)
        statement.bind(4, user.gender)
        statement.bind(5, user.interestedIn.joined(separator: ","))
        statement.bind(6, user.city)
        statement.bind(7, user.latitude)
        statement.bind(8, user.longitude)
        statement.bind(9, user.photoURL)
        statement.bind(10, user.bio)
        statement.bind(11, user.interests.joined(separator: ","))
        statement.bind(12, Geohash.encode(latitude: user.latitude, longitude: user.longitude, precision: GeohashIndex.defaultPrecision))
    }

    /// Runs `body` in one transaction (rolled back on an error).
    private func transaction(_ body: (Statements) throws -> Void) throws {
        let statements = try prepared()
        try setDurability(.buffered)
        try statements.begin.run()
        do {
            try body(statements)
            try statements.commit.run()
        } catch {
            try? api.base.execute(connection, "ROLLBACK")
            throw error
        }
    }

    func loadUsers(_ users: [SyntheticUser]) throws {
        try transaction { statements in
            for user in users {
                bindUser(statements.putUser, user)
                try statements.putUser.run()
            }
        }
    }

    func loadMessages(_ messages: [SyntheticMessage]) throws {
        try transaction { statements in
            let put = statements.putMessage
            for message in messages {
                put.bind(1, message.conversationId)
                put.bind(2, message.messageId)
                put.bind(3, message.sender)
                put.bind(4, message.body)
                put.bind(5, message.sentAt)
                try put.run()
            }
        }
    }

    func settle() throws {
        try api.base.execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)")
    }

    func putUser(_ user: SyntheticUser, durability: WriteDurability) throws {
        let statement = try prepared().putUser
        try setDurability(durability)
        bindUser(statement, user)
        try statement.run()
    }

    /// A row of `users` as the application receives it.
    private struct UserRow {
        var email, name, gender, interestedIn, city, photoURL, bio, interests, geohash: String
        var age: Int
        var latitude, longitude: Double
        var lastActive: Int?
        var visits: Int?
    }

    func getUser(email: String) throws -> UserReadback? {
        let statement = try prepared().getUser
        defer { statement.reset() }
        statement.bind(1, email)
        guard try statement.step() else { return nil }
        let row = UserRow(
            email: statement.text(0), name: statement.text(1), gender: statement.text(3), interestedIn: statement.text(4),
            city: statement.text(5), photoURL: statement.text(8), bio: statement.text(9), interests: statement.text(10),
            geohash: statement.text(11), age: statement.integer(2), latitude: statement.double(6), longitude: statement.double(7),
            lastActive: statement.isNull(12) ? nil : statement.integer(12), visits: statement.isNull(13) ? nil : statement.integer(13))
        return UserReadback(email: row.email, age: row.age, visits: row.visits ?? 0, fields: 12 + (row.lastActive == nil ? 0 : 1) + (row.visits == nil ? 0 : 1))
    }

    func touchUser(email: String, lastActive: Int) throws {
        let statement = try prepared().touchUser
        statement.bind(1, lastActive)
        statement.bind(2, email)
        try statement.run()
        guard api.changes(connection) == 1 else { throw BenchError("UPDATE users: no row for \(email)") }
    }

    /// A row of `messages` as the application receives it.
    private struct MessageRow {
        var conversationId, messageId, sender, body: String
        var sentAt: Int
    }

    func latestMessages(conversationId: String, limit: Int) throws -> PageOutcome {
        let statement = try prepared().latestMessages
        defer { statement.reset() }
        statement.bind(1, conversationId)
        statement.bind(2, limit)
        var rows: [MessageRow] = []
        rows.reserveCapacity(limit)
        while try statement.step() {
            rows.append(MessageRow(
                conversationId: statement.text(0), messageId: statement.text(1), sender: statement.text(2),
                body: statement.text(3), sentAt: statement.integer(4)))
        }
        var outcome = PageOutcome()
        for (index, row) in rows.enumerated() {
            if index > 0, !(row.messageId < rows[index - 1].messageId) { outcome.descending = false }
            outcome.count += 1
            outcome.digest = foldDigest(outcome.digest, row.messageId)
        }
        return outcome
    }

    /// The five fields of a match card, as the application receives them.
    private struct MatchCard {
        var email, name, gender, city: String
        var age: Int
    }

    func match(_ query: MatchQuery) throws -> MatchOutcome {
        let statement = try prepared().matchCell
        let radiusMeters = query.radiusKilometers * 1000
        guard let covering = GeoCovering(
            latitude: query.latitude, longitude: query.longitude, radiusMeters: radiusMeters,
            precision: GeohashIndex.defaultPrecision)
        else { throw BenchError("match: the radius touches too many cells") }
        var outcome = MatchOutcome()
        var cards: [MatchCard] = []
        cards.reserveCapacity(query.limit)
        cells: for entry in covering.entries {
            defer { statement.reset() }
            statement.bind(1, entry.cell.description)
            statement.bind(2, query.ageLow)
            statement.bind(3, query.ageHigh)
            while try statement.step() {
                outcome.evaluated += 1
                let distance = GeoDistance.haversineMeters(
                    latitude1: query.latitude, longitude1: query.longitude,
                    latitude2: statement.double(5), longitude2: statement.double(6))
                guard distance <= radiusMeters else { continue }
                let card = MatchCard(
                    email: statement.text(0), name: statement.text(1), gender: statement.text(3), city: statement.text(4),
                    age: statement.integer(2))
                cards.append(card)
                outcome.returned += 1
                outcome.digest = foldDigest(outcome.digest, card.email)
                if outcome.returned == query.limit { break cells }
            }
        }
        return outcome
    }

    var statisticsSummary: String { "" }

    /// A connection of its own to the same database, with the same settings and statements.
    func makeWorker() throws -> SQLiteTablesDriver {
        let worker = try SQLiteTablesDriver(directory: directory, settings: settings)
        worker.statements = try Statements(worker.api, worker.connection)
        worker.queryPlan = queryPlan
        return worker
    }

    func closeWorker() throws { try close() }

    func close() throws {
        for statement in statements?.all ?? [] { statement.finalize() }
        statements = nil
        if api.base.close(connection) != SQLiteAPI.ok { throw BenchError("sqlite3_close_v2 failed") }
    }
}
