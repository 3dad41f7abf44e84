import Glibc
import TernTables

/// One member of the matching service, shaped like OITH's `UserProfile` (the Users table's item):
/// the benchmark's input to both engines.
struct SyntheticUser: Sendable {
    var email: String
    var name: String
    var age: Int
    var gender: String
    /// Genders the user wants to meet: a string set, sorted, without duplicates.
    var interestedIn: [String]
    var city: String
    /// Degrees, rounded to 5 decimals (about 1 m), as a phone would report them.
    var latitude: Double
    var longitude: Double
    var photoURL: String
    var bio: String
    /// Hobbies in the user's order (a list: repeats allowed).
    var interests: [String]
}

/// Deterministic synthetic users spread around real cities, the same idea as `tern demo`'s
/// population (which lives in the `tern` executable and cannot be imported): a city drawn by
/// metro population, a Rayleigh-distributed distance from its centre (σ = 12 km) in a uniform
/// direction, a dating-app age profile (70 % aged 22–38, the rest 18–65) and gender mix.
///
/// User `i` depends only on `(seed, i)`, so both engines' processes, the load and the PutItem
/// workload all see the same people without sharing state.
struct UserPopulation: Sendable {
    struct City: Sendable {
        let name: String
        let latitude: Double
        let longitude: Double
        /// Metro population in millions: the sampling weight.
        let weight: Double
    }

    static let cities: [City] = [
        City(name: "Tokyo", latitude: 35.68, longitude: 139.77, weight: 37),
        City(name: "Delhi", latitude: 28.61, longitude: 77.21, weight: 31),
        City(name: "Shanghai", latitude: 31.23, longitude: 121.47, weight: 27),
        City(name: "São Paulo", latitude: -23.55, longitude: -46.63, weight: 22),
        City(name: "Mexico City", latitude: 19.43, longitude: -99.13, weight: 22),
        City(name: "Cairo", latitude: 30.04, longitude: 31.24, weight: 21),
        City(name: "Mumbai", latitude: 19.08, longitude: 72.88, weight: 20),
        City(name: "New York", latitude: 40.71, longitude: -74.01, weight: 19),
        City(name: "Lagos", latitude: 6.52, longitude: 3.38, weight: 15),
        City(name: "Istanbul", latitude: 41.01, longitude: 28.98, weight: 15),
        City(name: "Buenos Aires", latitude: -34.60, longitude: -58.38, weight: 15),
        City(name: "Moscow", latitude: 55.76, longitude: 37.62, weight: 12),
        City(name: "Los Angeles", latitude: 34.05, longitude: -118.24, weight: 12),
        City(name: "Paris", latitude: 48.86, longitude: 2.35, weight: 11),
        City(name: "Jakarta", latitude: -6.21, longitude: 106.85, weight: 11),
        City(name: "Seoul", latitude: 37.57, longitude: 126.98, weight: 10),
        City(name: "London", latitude: 51.51, longitude: -0.13, weight: 9),
        City(name: "Chicago", latitude: 41.88, longitude: -87.63, weight: 9),
        City(name: "Madrid", latitude: 40.42, longitude: -3.70, weight: 6.7),
        City(name: "Toronto", latitude: 43.65, longitude: -79.38, weight: 6.2),
        City(name: "Singapore", latitude: 1.35, longitude: 103.82, weight: 5.9),
        City(name: "Johannesburg", latitude: -26.20, longitude: 28.05, weight: 5.6),
        City(name: "Sydney", latitude: -33.87, longitude: 151.21, weight: 5.3),
        City(name: "Berlin", latitude: 52.52, longitude: 13.40, weight: 3.6),
        City(name: "Auckland", latitude: -36.85, longitude: 174.76, weight: 1.7),
        City(name: "Anchorage", latitude: 61.22, longitude: -149.90, weight: 0.4),
        City(name: "Reykjavik", latitude: 64.15, longitude: -21.94, weight: 0.25),
        City(name: "Suva", latitude: -18.12, longitude: 178.45, weight: 0.2),  // beside the antimeridian
    ]

    static let names = [
        "Aiko", "Bruno", "Carmen", "Dara", "Emeka", "Farah", "Goran", "Hana", "Ivo", "Jana", "Kofi", "Lena", "Mateo",
        "Noor", "Olga", "Pavel", "Rania", "Sami", "Tove", "Uri", "Vera", "Wiktor", "Yara", "Zane",
    ]
    static let hobbies = [
        "hiking", "coffee", "jazz", "bouldering", "cooking", "cinema", "chess", "running", "poetry", "travel", "yoga",
        "board games", "sailing", "photography",
    ]

    /// Rayleigh σ of the distance from the city centre, in metres.
    static let spreadMeters = 12_000.0

    let seed: UInt64
    private let cumulativeWeights: [Double]

    init(seed: UInt64) {
        self.seed = seed
        var total = 0.0
        cumulativeWeights = UserPopulation.cities.map { city in
            total += city.weight
            return total
        }
    }

    /// The e-mail (partition key) of user `index`.
    static func email(_ index: Int) -> String { "user\(index)@oith.example" }

    /// User number `index`.
    func user(_ index: Int) -> SyntheticUser {
        var random = SplitMix64(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15) ^ 0x05E5)
        let pick = random.unit() * cumulativeWeights[cumulativeWeights.count - 1]
        let city = UserPopulation.cities[cumulativeWeights.firstIndex { $0 >= pick } ?? 0]
        let distance = UserPopulation.spreadMeters * (-2 * log(1 - random.unit())).squareRoot()
        let (latitude, longitude) = UserPopulation.destination(
            latitude: city.latitude, longitude: city.longitude, meters: distance, bearing: random.unit() * 2 * .pi)
        let age = random.unit() < 0.7 ? 22 + random.below(17) : 18 + random.below(48)
        let genderDraw = random.unit()
        let gender = genderDraw < 0.48 ? "F" : (genderDraw < 0.97 ? "M" : "NB")
        let interestedIn: [String]
        if gender == "NB" || random.unit() >= 0.9 {
            interestedIn = gender == "NB" ? ["F", "M", "NB"] : ["F", "M"]
        } else {
            interestedIn = [gender == "F" ? "M" : "F"]
        }
        let name = UserPopulation.names[random.below(UserPopulation.names.count)]
        let interests = (0..<3).map { _ in UserPopulation.hobbies[random.below(UserPopulation.hobbies.count)] }
        return SyntheticUser(
            email: UserPopulation.email(index), name: name, age: age, gender: gender, interestedIn: interestedIn,
            city: city.name, latitude: (latitude * 1e5).rounded() / 1e5, longitude: (longitude * 1e5).rounded() / 1e5,
            photoURL: "https://img.oith.example/u/\(index).jpg",
            bio: "\(name) in \(city.name). Weekends: \(interests[0]) and \(interests[1]).", interests: interests)
    }

    /// The point `meters` from a start point along `bearing` (radians from north), on a sphere.
    static func destination(latitude: Double, longitude: Double, meters: Double, bearing: Double) -> (Double, Double) {
        let angle = meters / GeoDistance.earthRadiusMeters
        let startLatitude = latitude * .pi / 180
        let endLatitude = asin(sin(startLatitude) * cos(angle) + cos(startLatitude) * sin(angle) * cos(bearing))
        let longitudeChange = atan2(
            sin(bearing) * sin(angle) * cos(startLatitude), cos(angle) - sin(startLatitude) * sin(endLatitude))
        var degrees = fmod(longitude + longitudeChange * 180 / .pi + 540, 360) - 180
        if degrees < -180 { degrees += 360 }
        if degrees > 180 { degrees -= 360 }
        return (max(-90, min(90, endLatitude * 180 / .pi)), degrees)
    }
}

/// What the harness remembers of every user loaded (not the engines): where matching queries
/// start and what GetItem must find. About 17 bytes per user.
struct UserFacts: Sendable {
    private(set) var latitudes: [Double] = []
    private(set) var longitudes: [Double] = []
    private(set) var ages: [UInt8] = []

    var count: Int { ages.count }

    mutating func reserve(_ count: Int) {
        latitudes.reserveCapacity(count)
        longitudes.reserveCapacity(count)
        ages.reserveCapacity(count)
    }

    mutating func append(_ user: SyntheticUser) {
        latitudes.append(user.latitude)
        longitudes.append(user.longitude)
        ages.append(UInt8(user.age))
    }
}

extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
}
