import TernTables

/// The matching service's tables (the seed "OITH" service), as ready CreateTable requests: an
/// example of declaring an application's tables with Tern (the `tern demo` workload and the
/// benchmarks use them; the library does not).
///
/// - `Users`: one item per user, keyed by email; a geohash index on `lat`/`lon` (precision 4,
///   cell attribute `geohash`) sorted by `age` answers "profiles near me within an age range";
///   it stores the fields a match card shows.
/// - `Matches`: a user's precomputed candidates, keyed by (user email, candidate email), with a
///   local index by score and TTL on `expiresAt` (candidate lists go stale).
/// - `Messages`: keyed by (conversation id, time-ordered message id), so a conversation reads in
///   order with one Query.
/// - `Analytics`: keyed by (`metric#day`, timestamp), one partition per metric and day.
public enum OITHSchemas {
    /// The Users table's name.
    public static let usersTableName = "Users"
    /// The Users geohash index's name (the seed's GSI name).
    public static let usersGeohashIndexName = "geohash-age-index"
    /// The fields a match card shows, stored in the geohash index besides its keys.
    public static let matchCardAttributes = ["name", "gender", "city", "photoUrl"]

    /// `Users`: pk `email` (S); geohash index `geohash-age-index` on `lat`/`lon` → `geohash` (S,
    /// precision 4) + `age` (N), projecting the match-card fields.
    public static var users: CreateTableRequest {
        CreateTableRequest(
            tableName: usersTableName, keySchema: [KeySchemaElement(attributeName: "email", keyType: .hash)],
            attributeDefinitions: [
                AttributeDefinition(attributeName: "email", attributeType: .string),
                AttributeDefinition(attributeName: "geohash", attributeType: .string),
                AttributeDefinition(attributeName: "age", attributeType: .number),
            ],
            billingMode: .payPerRequest,
            geohashIndex: GeohashIndex(
                indexName: usersGeohashIndexName, latitudeAttributeName: "lat", longitudeAttributeName: "lon", cellAttributeName: "geohash",
                sortAttributeName: "age", precision: GeohashIndex.defaultPrecision, projection: .include(matchCardAttributes)))
    }

    /// `Matches`: pk `userEmail` (S), sk `candidateEmail` (S); LSI `score-index` on `score` (N);
    /// TTL on `expiresAt`.
    public static var matches: CreateTableRequest {
        CreateTableRequest(
            tableName: "Matches",
            keySchema: [
                KeySchemaElement(attributeName: "userEmail", keyType: .hash), KeySchemaElement(attributeName: "candidateEmail", keyType: .range),
            ],
            attributeDefinitions: [
                AttributeDefinition(attributeName: "userEmail", attributeType: .string),
                AttributeDefinition(attributeName: "candidateEmail", attributeType: .string),
                AttributeDefinition(attributeName: "score", attributeType: .number),
            ],
            billingMode: .payPerRequest,
            localSecondaryIndexes: [
                LocalSecondaryIndex(
                    indexName: "score-index",
                    keySchema: [KeySchemaElement(attributeName: "userEmail", keyType: .hash), KeySchemaElement(attributeName: "score", keyType: .range)],
                    projection: .all)
            ],
            timeToLiveSpecification: TimeToLiveSpecification(attributeName: "expiresAt"))
    }

    /// `Messages`: pk `conversationId` (S), sk `messageId` (S, time-ordered, e.g.
    /// `<epoch ms, zero-padded>#<sender>`).
    public static var messages: CreateTableRequest {
        CreateTableRequest(
            tableName: "Messages",
            keySchema: [
                KeySchemaElement(attributeName: "conversationId", keyType: .hash), KeySchemaElement(attributeName: "messageId", keyType: .range),
            ],
            attributeDefinitions: [
                AttributeDefinition(attributeName: "conversationId", attributeType: .string),
                AttributeDefinition(attributeName: "messageId", attributeType: .string),
            ],
            billingMode: .payPerRequest)
    }

    /// `Analytics`: pk `metricDay` (S, `metric#YYYY-MM-DD`), sk `timestamp` (N, epoch ms).
    public static var analytics: CreateTableRequest {
        CreateTableRequest(
            tableName: "Analytics",
            keySchema: [KeySchemaElement(attributeName: "metricDay", keyType: .hash), KeySchemaElement(attributeName: "timestamp", keyType: .range)],
            attributeDefinitions: [
                AttributeDefinition(attributeName: "metricDay", attributeType: .string),
                AttributeDefinition(attributeName: "timestamp", attributeType: .number),
            ],
            billingMode: .payPerRequest)
    }

    /// All four tables.
    public static var all: [CreateTableRequest] { [users, matches, messages, analytics] }
}

/// A user of the matching service, as stored in `Users` (encode it with `ItemEncoder`).
public struct UserProfile: Codable, Sendable, Hashable {
    /// The partition key.
    public var email: String
    /// Display name.
    public var name: String
    /// Age in years (the geohash index's sort key).
    public var age: Int
    /// Self-described gender.
    public var gender: String
    /// Genders the user wants to meet.
    public var interestedIn: Set<String>
    /// Home city.
    public var city: String
    /// Latitude in degrees.
    public var lat: Double
    /// Longitude in degrees.
    public var lon: Double
    /// Profile photo.
    public var photoUrl: String?
    /// Free text.
    public var bio: String
    /// Hobbies, in the user's order.
    public var interests: [String]

    /// A profile; see the properties.
    public init(
        email: String, name: String, age: Int, gender: String, interestedIn: Set<String>, city: String, lat: Double, lon: Double,
        photoUrl: String?, bio: String, interests: [String]
    ) {
        self.email = email
        self.name = name
        self.age = age
        self.gender = gender
        self.interestedIn = interestedIn
        self.city = city
        self.lat = lat
        self.lon = lon
        self.photoUrl = photoUrl
        self.bio = bio
        self.interests = interests
    }
}
